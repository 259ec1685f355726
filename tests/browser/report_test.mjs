// Opens a sentlens HTML report in real headless Chromium (playwright-core driving the system
// browser) and checks what a user sees: it loads from file:// without console errors or network
// requests, renders one row per sentence and the L×H kurtosis grid, a click on a sentence shows
// its links, a click on a head shows its matrix, and the screenshot is not blank.
//
//   node report_test.mjs --report R.html --modules NODE_MODULES --screenshot OUT.png
//        [--sentences N] [--chromium /usr/bin/chromium]
//
// Exit codes: 0 pass, 1 fail, 77 skipped (no Chromium or playwright-core); with
// SENTLENS_REQUIRE_BROWSER=1 a missing browser or library fails instead of skipping.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { pathToFileURL } from "node:url";

const SKIP = 77;
const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const required = process.env.SENTLENS_REQUIRE_BROWSER === "1";

function skip(reason) {
  if (required) {
    console.error(`FAIL: ${reason} (SENTLENS_REQUIRE_BROWSER=1)`);
    process.exit(1);
  }
  console.log(`SKIPPED: ${reason}`);
  process.exit(SKIP);
}

const failures = [];
function check(condition, message) {
  if (!condition) failures.push(message);
  console.log(`${condition ? "ok  " : "FAIL"} ${message}`);
}

// ---- PNG decoding (8-bit RGB/RGBA, non-interlaced: what Chromium writes) ----------------------
function decodePng(buffer) {
  if (buffer.readUInt32BE(0) !== 0x89504e47) throw new Error("not a PNG");
  let offset = 8, width = 0, height = 0, colourType = 0, bitDepth = 0;
  const idat = [];
  while (offset < buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString("ascii", offset + 4, offset + 8);
    const data = buffer.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      bitDepth = data[8]; colourType = data[9];
      if (data[12] !== 0) throw new Error("interlaced PNG");
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      break;
    }
    offset += 12 + length;
  }
  if (bitDepth !== 8 || (colourType !== 2 && colourType !== 6)) throw new Error(`PNG type ${colourType}/${bitDepth}`);
  const channels = colourType === 6 ? 4 : 3, stride = width * channels;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[x - channels] : 0, b = prev[x], c = x >= channels ? prev[x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[x] = v & 255;
    }
  }
  return { width, height, channels, pixels };
}

// Luminance standard deviation and the number of distinct colours (of a sample).
function pixelStats(png) {
  let sum = 0, sum2 = 0, n = 0;
  const colours = new Set();
  for (let i = 0; i < png.pixels.length; i += png.channels) {
    const [r, g, b] = [png.pixels[i], png.pixels[i + 1], png.pixels[i + 2]];
    const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    sum += y; sum2 += y * y; n++;
    if (colours.size < 5000) colours.add((r << 16) | (g << 8) | b);
  }
  const mean = sum / n;
  return { stddev: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), colours: colours.size };
}

// ---- the test ----------------------------------------------------------------------------------
async function main() {
  const report = path.resolve(args.report || "");
  if (!args.report || !fs.existsSync(report)) {
    console.error(`FAIL: report not found: ${args.report}`);
    process.exit(1);
  }
  const chromiumPath = args.chromium || process.env.SENTLENS_CHROMIUM || "/usr/bin/chromium";
  if (!fs.existsSync(chromiumPath)) skip(`Chromium not found at ${chromiumPath} (apt-get install chromium)`);
  const entry = path.join(path.resolve(args.modules || "node_modules"), "playwright-core", "index.mjs");
  if (!fs.existsSync(entry)) skip(`playwright-core not found at ${entry} (tests/scripts/fetch-browser-test.sh)`);
  const { chromium } = await import(pathToFileURL(entry).href);

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const url = pathToFileURL(report).href;
    const consoleErrors = [], requests = [];
    page.on("console", (message) => { if (message.type() === "error" || message.type() === "warning") consoleErrors.push(`${message.type()}: ${message.text()}`); });
    page.on("pageerror", (error) => consoleErrors.push(`pageerror: ${error.message}`));
    page.on("request", (request) => requests.push(request.url()));

    const started = Date.now();
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 30000 });
    const loadMs = Date.now() - started;
    console.log(`loaded ${url} (${(fs.statSync(report).size / 1024).toFixed(1)} KB) in ${loadMs} ms`);

    const data = await page.evaluate(() => {
      const d = JSON.parse(document.getElementById("sentlens-data").textContent);
      return { S: d.S, L: d.L, H: d.H, tokens: d.tokens !== null, sinks: d.sink_heads.length };
    });
    if (args.sentences !== undefined) check(data.S === Number(args.sentences), `report holds ${args.sentences} sentences (has ${data.S})`);
    check(data.S > 0, `report has sentences (${data.S})`);
    const rows = await page.locator("#sentences .sent").count();
    check(rows === data.S, `one row per sentence (${rows} rows, ${data.S} sentences)`);
    const cells = await page.locator("#kgrid rect.cell").count();
    check(cells === data.L * data.H, `L×H kurtosis grid rendered (${cells} cells = ${data.L}×${data.H})`);
    const gridBox = await page.locator("#kgrid").boundingBox();
    check(gridBox && gridBox.width > 50 && gridBox.height > 20, "kurtosis grid is visible");
    const heatBox = await page.locator("#heatmap").boundingBox();
    check(heatBox && heatBox.width > 100, "heatmap is visible");
    if (data.tokens) {
      const stripBox = await page.locator("#strips").boundingBox();
      check(stripBox && stripBox.height > 50, "token strips rendered");
      // Each mark row under the metric it comes from: preplan (Δ of WAAD) under WAAD, anchor under FAI.
      const rowsOrder = await page.locator("#strips").getAttribute("data-rows");
      check(rowsOrder === "WAAD:preplan;FAI:anchor", `mark rows under their own metric (${rowsOrder})`);
      const bars = await page.evaluate(() => JSON.parse(document.getElementById("sentlens-data").textContent).tokens.start.length);
      check((await page.locator("#strips").getAttribute("data-view")) === `0-${bars}`, "the strips start on the whole response");
      const marked = await page.evaluate(() => {
        const t = JSON.parse(document.getElementById("sentlens-data").textContent).tokens;
        return t.preplan.some((v) => v > 0) || t.anchor.some((v) => v > 0);
      });
      const labels = Number(await page.locator("#strips").getAttribute("data-labels"));
      check(!marked || labels > 0, `the strongest marked tokens are labelled (${labels} labels)`);
      if (bars >= 8) {
        // Zoom with the range inputs, then by dragging across the strips, then back.
        await page.locator("#tok-from").fill(String(Math.floor(bars / 4)));
        await page.locator("#tok-to").fill(String(Math.floor(bars / 2)));
        const zoomed = await page.locator("#strips").getAttribute("data-view");
        check(zoomed === `${Math.floor(bars / 4)}-${Math.floor(bars / 2)}`, `the range inputs zoom the strips (${zoomed})`);
        check((await page.locator("#tok-view").textContent()).startsWith("showing tokens"), "the zoomed range is named");
        await page.locator("#tok-reset").click();
        check((await page.locator("#strips").getAttribute("data-view")) === `0-${bars}`, "reset shows the whole response");
        const box = await page.locator("#strips").boundingBox();
        const plotLeft = box.x + 58, plotWidth = box.width - 58 - 6;
        await page.mouse.move(plotLeft + plotWidth * 0.1, box.y + 40);
        await page.mouse.down();
        await page.mouse.move(plotLeft + plotWidth * 0.6, box.y + 40);
        await page.mouse.up();
        const dragged = (await page.locator("#strips").getAttribute("data-view")).split("-").map(Number);
        check(dragged[0] > 0 && dragged[1] < bars && dragged[1] - dragged[0] >= 2, `a drag zooms to the bars it spans (${dragged.join("-")})`);
        await page.locator("#tok-reset").click();
      }
    }
    if (data.sinks) {
      const sinkCells = await page.locator("#sgrid rect.cell").count();
      check(sinkCells === data.L * data.H, `sink map rendered (${sinkCells} cells)`);
    }

    // A click on a sentence with earlier sentences shows its links, with their text.
    const target = Math.min(data.S - 1, Math.max(1, Math.floor(data.S / 2)));
    await page.locator(`#sentences .sent[data-index="${target}"]`).click();
    const links = page.locator("#links .link");
    await links.first().waitFor({ timeout: 5000 }).catch(() => {});
    const linkCount = await links.count();
    check(linkCount > 0, `a click on sentence ${target} shows its links (${linkCount})`);
    const focus = await page.locator("#links .focus").textContent();
    check(focus !== null && focus.startsWith(`S${target} `), "the links panel names the clicked sentence");
    if (linkCount > 0) {
      const linked = Number(await links.first().getAttribute("data-target"));
      const linkText = (await links.first().locator(".txt").textContent()).replace("…", "");
      const sentenceText = await page.locator(`#sentences .sent[data-index="${linked}"] .txt`).textContent();
      const norm = (t) => t.replace(/★\s*/, "").replace(/\s+/g, " ").trim();
      check(norm(sentenceText).startsWith(norm(linkText).slice(0, 40)), `a link shows the linked sentence's text (S${linked})`);
      check(await page.locator(`#sentences .sent[data-index="${target}"]`).evaluate((e) => e.classList.contains("selected")), "the clicked row is selected");
    }

    // A click on a kurtosis cell selects that head's matrix.
    await page.locator("#kgrid rect.cell").last().click();
    const caption = await page.locator("#heat-caption").textContent();
    check(/^head \d+:\d+/.test(caption), `a click on the grid shows a head's matrix ("${caption.slice(0, 60)}")`);
    // The suppression matrix, raw and row-centred, when the trace has one.
    if (await page.locator("#btn-supp").isEnabled()) {
      await page.locator("#btn-supp").click();
      check((await page.locator("#heat-caption").textContent()).startsWith("suppression"), "the suppression matrix can be shown");
      await page.locator("#chk-centre").check();
      check((await page.locator("#heat-caption").textContent()).includes("row-centred"), "the suppression matrix can be row-centred");
      check((await page.locator("#links .link").count()) > 0, "links follow the suppression matrix");
    }
    // A linear scale renders too; then back to the default view (receiver-head mean, log scale).
    await page.locator('#view-seg button[data-view="mean"]').click();
    await page.locator('#scale-seg button[data-scale="linear"]').click();
    await page.locator('#scale-seg button[data-scale="log"]').click();
    await page.locator(`#sentences .sent[data-index="${target}"]`).click();

    const screenshot = await page.screenshot({ fullPage: true });
    const out = args.screenshot ? path.resolve(args.screenshot) : null;
    if (out) {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, screenshot);
      console.log(`screenshot: ${out}`);
    }
    const stats = pixelStats(decodePng(screenshot));
    check(stats.stddev > 8 && stats.colours > 50, `screenshot is not blank (luminance σ ${stats.stddev.toFixed(1)}, ${stats.colours} colours)`);

    check(consoleErrors.length === 0, `no console errors or warnings${consoleErrors.length ? ": " + consoleErrors.join(" | ") : ""}`);
    const foreign = requests.filter((r) => r !== url);
    check(foreign.length === 0, `no network requests besides the file itself${foreign.length ? ": " + foreign.join(", ") : ""}`);
  } finally {
    await browser.close();
  }
  if (failures.length) {
    console.error(`${failures.length} check(s) failed`);
    process.exit(1);
  }
  console.log("all checks passed");
}

main().catch((error) => {
  console.error(`FAIL: ${error.stack || error}`);
  process.exit(1);
});
