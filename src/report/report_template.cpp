// The report page: one HTML document with inline CSS and JavaScript that reads the JSON in
// <script id="sentlens-data"> and draws everything with canvas and inline SVG. No external URL:
// it works from file:// without a network. See report_template.h for the markers.
#include "report/report_template.h"

#include <string>

namespace sentlens {

namespace {

// Split in two literals: some compilers limit the length of one string literal.
constexpr std::string_view kHead = R"sentlens(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@SENTLENS_TITLE@ · sentlens report</title>
<style>
:root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --muted:#687086; --line:#e2e5eb; --accent:#d9480f;
        --sel:#1c7ed6; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink); font-size:14px; line-height:1.4; }
header { padding:16px 24px 8px; }
header h1 { margin:0 0 4px; font-size:20px; font-weight:650; }
header .meta { color:var(--muted); font-size:13px; }
header .meta b { color:var(--ink); font-weight:600; }
details.notes { margin:8px 0 0; color:var(--muted); font-size:12.5px; }
details.notes ul { margin:4px 0; padding-left:20px; }
main { display:grid; grid-template-columns:minmax(340px, 0.9fr) minmax(520px, 1.25fr); gap:16px;
       padding:8px 24px 24px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px;
        box-shadow:0 1px 2px rgba(20,30,50,.04); min-width:0; }
.card h2 { font-size:14.5px; margin:0 0 8px; font-weight:650; display:flex; flex-wrap:wrap; align-items:baseline; gap:2px 8px; }
.card h2 small { color:var(--muted); font-weight:400; font-size:12px; }
.full { grid-column:1 / -1; }
.col { display:flex; flex-direction:column; gap:16px; min-width:0; }
#sentences { max-height:calc(100vh - 170px); min-height:420px; overflow-y:auto; border-top:1px solid var(--line); }
.sent { display:grid; grid-template-columns:38px 1fr 54px; gap:8px; padding:5px 6px; cursor:pointer;
        border-bottom:1px solid #f0f1f4; align-items:start; }
.sent:hover { outline:1px solid #c5cbd6; }
.sent.selected { outline:2px solid var(--sel); outline-offset:-2px; }
.sent.linked-in { box-shadow:inset 4px 0 0 #2f9e44; }
.sent.linked-out { box-shadow:inset 4px 0 0 #7048e8; }
.sent .idx { color:var(--muted); font-variant-numeric:tabular-nums; font-size:12px; text-align:right; padding-top:1px; }
.sent .txt { white-space:pre-wrap; word-break:break-word; }
.sent .sc { font-variant-numeric:tabular-nums; font-size:12px; text-align:right; color:#495057; padding-top:1px; }
.star { color:var(--accent); font-weight:700; }
.controls { display:flex; flex-wrap:wrap; gap:6px 14px; align-items:center; margin-bottom:8px; font-size:13px; }
.seg { display:inline-flex; border:1px solid #c9ced8; border-radius:7px; overflow:hidden; }
.seg button { border:0; background:#fff; padding:4px 10px; font:inherit; cursor:pointer; color:var(--ink); }
.seg button + button { border-left:1px solid #c9ced8; }
.seg button.on { background:var(--ink); color:#fff; }
.seg button:disabled { color:#b0b5c0; cursor:not-allowed; }
label.chk { display:inline-flex; gap:4px; align-items:center; cursor:pointer; }
.heat-wrap { display:flex; gap:12px; align-items:flex-start; }
#heatmap { width:min(100%, 560px); aspect-ratio:1; image-rendering:pixelated; border:1px solid var(--line);
           cursor:crosshair; background:#fafafa; }
.legend { display:flex; flex-direction:column; align-items:center; gap:4px; font-size:11.5px; color:var(--muted);
          font-variant-numeric:tabular-nums; }
#legend-bar { width:14px; height:220px; border:1px solid var(--line); }
.tip { position:fixed; pointer-events:none; background:rgba(29,35,48,.94); color:#fff; padding:6px 9px;
       border-radius:6px; font-size:12px; max-width:420px; z-index:10; display:none; white-space:pre-wrap; }
#heat-caption { color:var(--muted); font-size:12.5px; margin-top:6px; min-height:18px; }
#links .empty { color:var(--muted); }
#links h3 { font-size:13px; margin:8px 0 4px; font-weight:600; }
#links .focus { background:#e7f5ff; border-radius:6px; padding:6px 8px; white-space:pre-wrap; }
.link { display:grid; grid-template-columns:40px 64px 1fr; gap:8px; padding:3px 4px; border-radius:5px; cursor:pointer; }
.link:hover { background:#f1f3f5; }
.link .v { font-variant-numeric:tabular-nums; color:#495057; font-size:12px; }
.link .bar { height:6px; border-radius:3px; margin-top:6px; }
.grid-wrap { overflow-x:auto; }
svg text { font-size:10px; fill:var(--muted); }
svg .cell { cursor:pointer; }
svg .cell:hover { stroke:#000; stroke-width:1.5; }
.strip-wrap canvas { width:100%; display:block; }
.strip-controls { font-size:12px; color:#495057; margin:4px 0 6px; }
.strip-controls input[type=range] { width:180px; vertical-align:middle; }
.kv { display:flex; gap:16px; flex-wrap:wrap; color:var(--muted); font-size:12.5px; margin-bottom:6px; }
.kv b { color:var(--ink); }
table.small { border-collapse:collapse; font-size:12.5px; width:100%; }
table.small th, table.small td { text-align:left; padding:3px 6px; border-bottom:1px solid #f0f1f4; }
table.small td.n { text-align:right; font-variant-numeric:tabular-nums; }
.pill { display:inline-block; padding:0 6px; border-radius:9px; font-size:11px; background:#f1f3f5; }
.two { display:grid; grid-template-columns:auto 1fr; gap:16px; align-items:start; }
@media (max-width: 1000px) { main { grid-template-columns:1fr; } .two { grid-template-columns:1fr; } }
</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <div class="meta" id="meta"></div>
  <details class="notes"><summary>Notes on this report</summary><ul id="notes"></ul></details>
</header>
<main>
  <div class="col">
    <section class="card">
      <h2>Sentences <small id="sent-caption"></small></h2>
      <div id="sentences" role="list"></div>
    </section>
  </div>
  <div class="col">
    <section class="card">
      <h2>Sentence × sentence <small>row i reads column j (earlier)</small></h2>
      <div class="controls">
        <span class="seg" id="view-seg">
          <button data-view="mean" class="on">Receiver-head mean</button>
          <button data-view="head" id="btn-head">Head</button>
          <button data-view="supp" id="btn-supp">Suppression</button>
        </span>
        <span class="seg" id="scale-seg">
          <button data-scale="log" class="on">log</button>
          <button data-scale="linear">linear</button>
        </span>
        <label class="chk"><input type="checkbox" id="chk-sink" checked> exclude first sentence (sink) from colour range</label>
        <label class="chk"><input type="checkbox" id="chk-diag" checked> exclude diagonal</label>
        <label class="chk" id="lbl-centre" title="The paper's normalisation: each target row minus its mean over earlier sources"><input type="checkbox" id="chk-centre"> row-centred (paper)</label>
      </div>
      <div class="heat-wrap">
        <canvas id="heatmap" width="1" height="1"></canvas>
        <div class="legend"><span id="legend-hi"></span><canvas id="legend-bar" width="1" height="220"></canvas><span id="legend-lo"></span></div>
      </div>
      <div id="heat-caption"></div>
    </section>
    <section class="card">
      <h2>Links <small>strongest links of the selected sentence in the matrix shown</small></h2>
      <div id="links"><span class="empty">Click a sentence (or a heatmap cell) to see what it reads and what reads it.</span></div>
    </section>
    <section class="card">
      <h2>Kurtosis of vertical scores <small>L × H; outlined: receiver heads; faded: matrix not embedded; click a head to see its matrix</small></h2>
      <div class="grid-wrap"><svg id="kgrid"></svg></div>
    </section>
  </div>
  <section class="card full">
    <h2>Token rhythm <small id="tok-caption"></small></h2>
    <div class="kv" id="tok-kv"></div>
    <div class="strip-controls" id="tok-controls">zoom: from <input type="range" id="tok-from" min="0" value="0">
      to <input type="range" id="tok-to" min="1" value="1"> <button id="tok-reset">whole response</button>
      <span id="tok-view"></span> <small>(or drag across the strips)</small></div>
    <div class="strip-wrap"><canvas id="strips" height="10"></canvas></div>
  </section>
  <section class="card full">
    <h2>Sink map <small id="sink-caption"></small></h2>
    <div class="two">
      <div class="grid-wrap"><svg id="sgrid"></svg></div>
      <div id="sink-list"></div>
    </div>
  </section>
</main>
<div class="tip" id="tip"></div>
<script type="application/json" id="sentlens-data">@SENTLENS_DATA@</script>
)sentlens";

constexpr std::string_view kScript = R"sentlens(<script>
"use strict";
(function () {
const D = JSON.parse(document.getElementById("sentlens-data").textContent);
const S = D.S, L = D.L, H = D.H;
const $ = (id) => document.getElementById(id);
const el = (tag, attrs, text) => {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
};
const SVGNS = "http://www.w3.org/2000/svg";
const svgEl = (tag, attrs) => {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  return e;
};
const fmt = (v) => v === null || v === undefined || !isFinite(v) ? "–"
  : (Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0)) ? v.toExponential(2) : v.toPrecision(3);
const short = (t, n) => { t = t.replace(/\s+/g, " ").trim(); return t.length > n ? t.slice(0, n - 1) + "…" : t; };

// ---- colour maps -------------------------------------------------------------------------------
const VIRIDIS = [[68,1,84],[72,40,120],[62,74,137],[49,104,142],[38,130,142],[31,158,137],[53,183,121],[110,206,88],[181,222,43],[253,231,37]];
const BLUES = [[247,251,255],[222,235,247],[198,219,239],[158,202,225],[107,174,214],[66,146,198],[33,113,181],[8,69,148]];
function ramp(stops, t) {
  t = Math.min(1, Math.max(0, t));
  const x = t * (stops.length - 1), i = Math.min(stops.length - 2, Math.floor(x)), f = x - i;
  const a = stops[i], b = stops[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}
const rgb = (c) => "rgb(" + (c[0] | 0) + "," + (c[1] | 0) + "," + (c[2] | 0) + ")";

// ---- data --------------------------------------------------------------------------------------
function bytes(b64) {
  const bin = atob(b64), out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
function decode(m) {
  if (!m) return null;
  const u = bytes(m.data);
  if (m.enc === "f32") return new Float32Array(u.buffer);
  const out = new Float32Array(u.length), span = m.hi - m.lo;
  for (let i = 0; i < u.length; i++) {
    const c = u[i];
    out[i] = c === 255 ? NaN : c === 0 ? 0 : Math.pow(10, m.lo + (c - 1) / 253 * span);
  }
  return out;
}
const mean = decode(D.mean);
const supp = decode(D.suppression);
const headIndex = new Map();
D.heads.forEach((m, n) => headIndex.set(m.l * H + m.h, n));
const headCache = new Map();
function headMatrix(flat) {
  if (!headIndex.has(flat)) return null;
  if (!headCache.has(flat)) headCache.set(flat, decode(D.heads[headIndex.get(flat)]));
  return headCache.get(flat);
}
const receiverRank = new Map();
D.receivers.forEach((r, n) => receiverRank.set(r[0] * H + r[1], n + 1));

const state = { view: "mean", scale: "log", head: D.receivers.length ? D.receivers[0][0] * H + D.receivers[0][1] : 0,
                sel: -1, sinkAware: true, noDiag: true, centre: false };

// ---- header ------------------------------------------------------------------------------------
$("title").textContent = D.title;
const meta = $("meta");
const metaParts = [["model", D.model || "?"], ["layers × heads", L + " × " + H], ["sentences", S],
  ["tokens", D.T], ["profile", D.profile], ["sentlens", D.version || "?"]];
metaParts.forEach(([k, v], n) => {
  if (n) meta.appendChild(document.createTextNode(" · "));
  meta.appendChild(document.createTextNode(k + " "));
  meta.appendChild(el("b", {}, String(v)));
});
for (const note of D.notes) $("notes").appendChild(el("li", {}, note));

// ---- sentence list -----------------------------------------------------------------------------
const scores = D.sentences.map((s) => s.score);
const finiteScores = scores.filter((v) => v !== null && isFinite(v));
const sMin = finiteScores.length ? Math.min(...finiteScores) : 0;
const sMax = finiteScores.length ? Math.max(...finiteScores) : 1;
const topSet = new Set(D.broadcasting);
$("sent-caption").textContent = finiteScores.length
  ? "coloured by receiver-head score (" + (D.receiver_options.heads_source
      ? D.receivers.length + " receiver heads from " + D.receiver_options.heads_source
      : "top-" + D.receivers.length + " heads by kurtosis") + ", proximity " +
    D.receiver_options.proximity_ignore + "); ★ top broadcasting"
  : "receiver-head scores unavailable";
const rows = [];
const list = $("sentences");
D.sentences.forEach((s, i) => {
  const row = el("div", { class: "sent", role: "listitem", "data-index": i });
  const v = s.score;
  if (v !== null && isFinite(v) && sMax > sMin) {
    const t = (v - sMin) / (sMax - sMin);
    row.style.background = "rgba(253,126,20," + (0.06 + 0.6 * t).toFixed(3) + ")";
  }
  row.appendChild(el("span", { class: "idx" }, String(i)));
  const txt = el("span", { class: "txt" });
  if (topSet.has(i)) txt.appendChild(el("span", { class: "star", title: "top broadcasting sentence" }, "★ "));
  txt.appendChild(document.createTextNode(s.text));
  row.appendChild(txt);
  row.appendChild(el("span", { class: "sc", title: "receiver-head score" }, fmt(v)));
  row.addEventListener("click", () => select(i, false));
  list.appendChild(row);
  rows.push(row);
});

// ---- matrices ----------------------------------------------------------------------------------
let suppCentred = null;
function centred() {
  if (!suppCentred) {
    suppCentred = new Float32Array(S * S).fill(NaN);
    for (let i = 0; i < S; i++) {
      let sum = 0, n = 0;
      for (let j = 0; j < i; j++) { const v = supp[i * S + j]; if (isFinite(v)) { sum += v; n++; } }
      for (let j = 0; j < i; j++) suppCentred[i * S + j] = n ? supp[i * S + j] - sum / n : NaN;
    }
  }
  return suppCentred;
}
function currentMatrix() {
  if (state.view === "supp") return supp && state.centre ? centred() : supp;
  if (state.view === "head") return headMatrix(state.head);
  return mean;
}
function viewName() {
  if (state.view === "supp") return "suppression E[target, suppressed] (" + (D.suppression_profile || "?") + " profile, ln KL" + (state.centre ? ", row-centred" : "") + ")";
  if (state.view === "head") {
    const l = Math.floor(state.head / H), h = state.head % H;
    const enc = headIndex.has(state.head) ? D.heads[headIndex.get(state.head)].enc : null;
    return "head " + l + ":" + h + (enc === "log8" ? " (8-bit log quantised)" : "");
  }
  return D.receivers.length ? "mean over the " + D.receivers.length + " receiver heads" : "mean over all heads";
}
// Cells of the matrix that count: attention is causal (j <= i); suppression only j < i.
function visible(i, j) { return state.view === "supp" ? j < i : j <= i; }
function colourRange(m) {
  const vals = [];
  for (let i = 0; i < S; i++) for (let j = 0; j <= i; j++) {
    if (!visible(i, j)) continue;
    if (state.noDiag && i === j) continue;
    if (state.sinkAware && j === 0 && state.view !== "supp") continue;
    const v = m[i * S + j];
    if (!isFinite(v)) continue;
    if (useLog() && !(v > 0)) continue;
    vals.push(v);
  }
  if (!vals.length) return null;
  vals.sort((a, b) => a - b);
  let lo = vals[0], hi = vals[vals.length - 1];
  if (useLog()) lo = Math.max(lo, vals[Math.floor(0.01 * (vals.length - 1))], hi * 1e-6);
  if (hi <= lo) hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 1e-3);
  return [lo, hi];
}
function useLog() { return state.scale === "log" && state.view !== "supp"; }
function unit(v, range) {
  if (useLog()) return (Math.log10(Math.max(v, range[0])) - Math.log10(range[0])) / (Math.log10(range[1]) - Math.log10(range[0]));
  return (v - range[0]) / (range[1] - range[0]);
}
let range = null;
function drawHeatmap() {
  const canvas = $("heatmap"), m = currentMatrix();
  // k device pixels per cell: crisp cells and selection lines at any S.
  const k = Math.max(1, Math.floor(560 / Math.max(S, 1))), N = Math.max(S, 1) * k;
  canvas.width = N; canvas.height = N;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(N, N);
  range = m ? colourRange(m) : null;
  for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) {
    let c = [238, 240, 244];
    if (m && range && visible(i, j)) {
      const v = m[i * S + j];
      c = isFinite(v) ? ramp(VIRIDIS, unit(v, range)) : [200, 200, 205];
    }
    for (let y = i * k; y < (i + 1) * k; y++) {
      let o = 4 * (y * N + j * k);
      for (let x = 0; x < k; x++, o += 4) { img.data[o] = c[0]; img.data[o + 1] = c[1]; img.data[o + 2] = c[2]; img.data[o + 3] = 255; }
    }
  }
  ctx.putImageData(img, 0, 0);
  if (state.sel >= 0) {
    // The selected sentence's row (what it reads) and column (what reads it).
    const i = state.sel, w = Math.max(1, Math.min(3, Math.round(k / 12)));
    ctx.lineWidth = w;
    ctx.strokeStyle = "#ff3b30";
    ctx.strokeRect(w / 2, i * k + w / 2, (i + 1) * k - w, k - w);
    ctx.strokeRect(i * k + w / 2, i * k + w / 2, k - w, (S - i) * k - w);
  }
  const bar = $("legend-bar"), bctx = bar.getContext("2d");
  for (let y = 0; y < bar.height; y++) { bctx.fillStyle = rgb(ramp(VIRIDIS, 1 - y / (bar.height - 1))); bctx.fillRect(0, y, 1, 1); }
  $("legend-hi").textContent = range ? fmt(range[1]) : "";
  $("legend-lo").textContent = range ? fmt(range[0]) + (useLog() ? " (log)" : "") : "";
  let caption = viewName();
  if (!m) caption += state.view === "head" ? ": matrix not embedded in this report (see notes); pick an embedded head" : ": not available";
  $("heat-caption").textContent = caption;
  document.querySelectorAll("#view-seg button").forEach((b) => b.classList.toggle("on", b.dataset.view === state.view));
  document.querySelectorAll("#scale-seg button").forEach((b) => {
    b.classList.toggle("on", b.dataset.scale === state.scale);
    b.disabled = state.view === "supp" && b.dataset.scale === "log";
  });
  $("btn-head").textContent = "Head " + Math.floor(state.head / H) + ":" + (state.head % H);
  $("btn-supp").disabled = !supp;
  $("lbl-centre").style.display = state.view === "supp" ? "" : "none";
  if (!supp) $("btn-supp").title = "the trace has no suppression matrix";
  drawKGrid();
  showLinks();
}
document.querySelectorAll("#view-seg button").forEach((b) => b.addEventListener("click", () => {
  if (b.disabled) return; state.view = b.dataset.view; drawHeatmap();
}));
document.querySelectorAll("#scale-seg button").forEach((b) => b.addEventListener("click", () => {
  if (b.disabled) return; state.scale = b.dataset.scale; drawHeatmap();
}));
$("chk-sink").addEventListener("change", (e) => { state.sinkAware = e.target.checked; drawHeatmap(); });
$("chk-diag").addEventListener("change", (e) => { state.noDiag = e.target.checked; drawHeatmap(); });
$("chk-centre").addEventListener("change", (e) => { state.centre = e.target.checked; drawHeatmap(); });

const tip = $("tip");
function showTip(ev, text) {
  tip.textContent = text; tip.style.display = "block";
  const x = Math.min(ev.clientX + 14, window.innerWidth - 440);
  tip.style.left = x + "px"; tip.style.top = (ev.clientY + 14) + "px";
}
function hideTip() { tip.style.display = "none"; }
function cellAt(ev) {
  const r = $("heatmap").getBoundingClientRect();
  const j = Math.floor((ev.clientX - r.left) / r.width * S), i = Math.floor((ev.clientY - r.top) / r.height * S);
  return i >= 0 && j >= 0 && i < S && j < S ? [i, j] : null;
}
$("heatmap").addEventListener("mousemove", (ev) => {
  const c = cellAt(ev), m = currentMatrix();
  if (!c || !m) return hideTip();
  const [i, j] = c;
  showTip(ev, "S" + i + " reads S" + j + ": " + fmt(m[i * S + j]) + "\n" + i + ": " + short(D.sentences[i].text, 90) + "\n" + j + ": " + short(D.sentences[j].text, 90));
});
$("heatmap").addEventListener("mouseleave", hideTip);
$("heatmap").addEventListener("click", (ev) => { const c = cellAt(ev); if (c) select(c[0], true); });

// ---- links -------------------------------------------------------------------------------------
function linksOf(i) {
  if (state.view === "mean") return [D.sentences[i].reads, D.sentences[i].read_by];
  const m = currentMatrix();
  if (!m) return [[], []];
  const k = D.sentences[i].reads.length || 5;
  const ok = (v) => isFinite(v) && (state.view === "supp" || v > 0);
  const reads = [], readBy = [];
  for (let j = 0; j < i; j++) if (ok(m[i * S + j])) reads.push([j, m[i * S + j]]);
  for (let r = i + 1; r < S; r++) if (ok(m[r * S + i])) readBy.push([r, m[r * S + i]]);
  const top = (a) => a.sort((x, y) => y[1] - x[1]).slice(0, k);
  return [top(reads), top(readBy)];
}
function linkBlock(title, links, colour, cls) {
  const box = el("div");
  box.appendChild(el("h3", {}, title));
  if (!links.length) { box.appendChild(el("div", { class: "empty" }, "none")); return box; }
  const vmax = Math.max(...links.map((l) => Math.abs(l[1]))) || 1;
  const vmin = Math.min(...links.map((l) => l[1]));
  for (const [j, v] of links) {
    const row = el("div", { class: "link " + cls, "data-target": j });
    row.appendChild(el("span", { class: "v" }, "S" + j));
    const val = el("span", { class: "v" }, fmt(v));
    const bar = el("div", { class: "bar" });
    const w = state.view === "supp" ? (links.length > 1 ? (v - vmin) / ((links[0][1] - vmin) || 1) : 1) : Math.abs(v) / vmax;
    bar.style.width = Math.max(4, 100 * w) + "%"; bar.style.background = colour;
    val.appendChild(bar);
    row.appendChild(val);
    row.appendChild(el("span", { class: "txt" }, short(D.sentences[j].text, 220)));
    row.addEventListener("click", () => select(j, true));
    rows[j].classList.add(cls === "out" ? "linked-out" : "linked-in");
    box.appendChild(row);
  }
  return box;
}
function showLinks() {
  rows.forEach((r) => r.classList.remove("linked-in", "linked-out"));
  const box = $("links");
  if (state.sel < 0) return;
  box.textContent = "";
  const i = state.sel, s = D.sentences[i];
  box.appendChild(el("div", { class: "focus" }, "S" + i + " (score " + fmt(s.score) + ", tokens " + s.tokens[0] + "–" + s.tokens[1] + "): " + s.text));
  const bb = s.rollout || {};
  if (Object.keys(bb).length) {
    // Black-box importance from rollouts (sentlens importance --trace), the original's names.
    const parts = [["counterfactual acc", "counterfactual_importance_accuracy"], ["counterfactual KL", "counterfactual_importance_kl"],
                   ["resampling acc", "resampling_importance_accuracy"], ["forced acc", "forced_importance_accuracy"],
                   ["accuracy", "accuracy"]].filter(([, k]) => bb[k] !== null && bb[k] !== undefined)
                  .map(([label, k]) => label + " " + fmt(bb[k]));
    box.appendChild(el("div", { class: "empty", id: "rollout-importance" },
      "black-box importance: " + (parts.length ? parts.join(", ") : "not analysed") +
      (D.rollout_embeddings ? " (embeddings: " + D.rollout_embeddings + ")" : "")));
  }
  const [reads, readBy] = linksOf(i);
  const supv = state.view === "supp";
  box.appendChild(linkBlock(supv ? "Most affected by suppressing (earlier sentences)" : "Reads from (strongest earlier sentences, outgoing)", reads, "#7048e8", "out"));
  box.appendChild(linkBlock(supv ? "Suppressing it most affects (later sentences)" : "Read by (strongest later sentences, incoming)", readBy, "#2f9e44", "in"));
  const cap = el("div", { class: "empty" }, "in: " + viewName());
  cap.style.marginTop = "6px"; cap.style.fontSize = "12px";
  box.appendChild(cap);
}
function select(i, scroll) {
  if (state.sel >= 0) rows[state.sel].classList.remove("selected");
  state.sel = i;
  rows[i].classList.add("selected");
  if (scroll) rows[i].scrollIntoView({ block: "nearest" });
  drawHeatmap();
  drawStrips();
}

// ---- head grids (kurtosis, sinks) ---------------------------------------------------------------
function headGrid(svg, value, colourOf, title, onClick, decorate) {
  svg.textContent = "";
  const cell = Math.max(9, Math.min(26, Math.floor(540 / Math.max(H, 1))));
  const left = 34, top = 16;
  svg.setAttribute("width", left + H * cell + 4);
  svg.setAttribute("height", top + L * cell + 4);
  const step = H > 24 ? 4 : H > 12 ? 2 : 1;
  for (let h = 0; h < H; h += step) {
    const t = svgEl("text", { x: left + h * cell + cell / 2, y: 11, "text-anchor": "middle" });
    t.textContent = h; svg.appendChild(t);
  }
  const lstep = L > 24 ? 4 : L > 12 ? 2 : 1;
  for (let l = 0; l < L; l += lstep) {
    const t = svgEl("text", { x: left - 4, y: top + l * cell + cell / 2 + 3.5, "text-anchor": "end" });
    t.textContent = "L" + l; svg.appendChild(t);
  }
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) {
    const f = l * H + h;
    const r = svgEl("rect", { class: "cell", x: left + h * cell, y: top + l * cell, width: cell - 1, height: cell - 1,
                              fill: colourOf(value(f)), "data-layer": l, "data-head": h });
    const tt = svgEl("title"); tt.textContent = title(f); r.appendChild(tt);
    r.addEventListener("click", () => onClick(f));
    svg.appendChild(r);
    if (decorate) decorate(svg, f, left + h * cell, top + l * cell, cell, r);
  }
}
const kFinite = D.kurtosis.filter((v) => v !== null && isFinite(v));
const kMin = kFinite.length ? Math.min(...kFinite) : 0, kMax = kFinite.length ? Math.max(...kFinite) : 1;
function drawKGrid() {
  headGrid($("kgrid"), (f) => D.kurtosis[f],
    (v) => v === null || !isFinite(v) ? "#d9dce2" : rgb(ramp(VIRIDIS, (v - kMin) / ((kMax - kMin) || 1))),
    (f) => "head " + Math.floor(f / H) + ":" + (f % H) + "  kurtosis " + fmt(D.kurtosis[f]) +
           (receiverRank.has(f) ? "  receiver head #" + receiverRank.get(f) : "") +
           (headIndex.has(f) ? "" : "  (matrix not embedded)"),
    (f) => { state.head = f; state.view = "head"; drawHeatmap(); },
    (svg, f, x, y, cell, rect) => {
      if (!headIndex.has(f)) rect.setAttribute("fill-opacity", "0.35");
      if (receiverRank.has(f)) {
        svg.appendChild(svgEl("rect", { x: x + 0.5, y: y + 0.5, width: cell - 2, height: cell - 2, fill: "none", stroke: "#d9480f", "stroke-width": 2, "pointer-events": "none" }));
      }
      if (state.view === "head" && state.head === f) {
        svg.appendChild(svgEl("rect", { x: x - 1, y: y - 1, width: cell + 1, height: cell + 1, fill: "none", stroke: "#1c7ed6", "stroke-width": 2.5, "pointer-events": "none" }));
      }
    });
}

// ---- token strips ------------------------------------------------------------------------------
const T = D.tokens;
// The bars shown: [from, to) of the token strips (all of them until the user zooms).
const tokView = { from: 0, to: T ? T.start.length : 0 };
function setTokView(from, to) {
  const n = T.start.length;
  from = Math.max(0, Math.min(n - 1, Math.round(from)));
  to = Math.max(from + 1, Math.min(n, Math.round(to)));
  tokView.from = from; tokView.to = to;
  drawStrips();
}
// Each mark row sits under the metric it comes from (metrics.md §2.5): preplan tokens are the top
// 40% by Δ = |WAAD_t − WAAD_t+1|, anchor tokens the top 40% by FAI.
const TOKEN_LABELS = 5;  // marked tokens named per strip, the strongest in view
function drawStrips() {
  const canvas = $("strips");
  if (!T) {
    $("tok-caption").textContent = "not available (see notes)";
    canvas.style.display = "none";
    $("tok-controls").style.display = "none";
    return;
  }
  $("tok-caption").textContent = "WAAD (local heads) with its preplan tokens, FAI (global heads) with its anchor tokens, per response token" +
    (T.bucket > 1 ? "; each bar is the max over " + T.bucket + " tokens" : "");
  const kv = $("tok-kv"); kv.textContent = "";
  [["response starts at token", T.response_start], ["preplan tokens", T.preplan_total], ["anchor tokens", T.anchor_total],
   ["local heads", T.local.length], ["global heads", T.global.length]].forEach(([k, v]) => {
    const s = el("span", {}, k + " "); s.appendChild(el("b", {}, String(v))); kv.appendChild(s);
  });
  const total = T.start.length, from = tokView.from, to = tokView.to, n = to - from;
  const fromInput = $("tok-from"), toInput = $("tok-to");
  fromInput.max = String(total - 1); toInput.max = String(total);
  fromInput.value = String(from); toInput.value = String(to);
  const firstToken = T.start[from], lastToken = T.start[to - 1] + T.count[to - 1] - 1;
  $("tok-view").textContent = n === total ? "showing all tokens" : "showing tokens " + firstToken + "–" + lastToken;
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 1000, stripH = 70, markH = 12, labelH = 14, gap = 10, pad = 58;
  const height = 2 * (stripH + markH + labelH) + 3 * gap + 14;
  canvas.style.height = height + "px";
  canvas.width = Math.round(width * dpr); canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext("2d"); ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, width, height);
  const plotW = width - pad - 6, bw = plotW / n;
  const inView = (a) => a.slice(from, to);
  const max = (a) => Math.max(1e-12, ...a.filter((v) => v !== null && isFinite(v)));
  const delta = (p) => (p + 1 < total && T.waad[p] !== null && T.waad[p + 1] !== null) ? Math.abs(T.waad[p] - T.waad[p + 1]) : 0;
  const strips = [["WAAD", T.waad, "#1971c2", T.preplan, "#c2255c", "preplan", delta],
                  ["FAI", T.fai, "#2b8a3e", T.anchor, "#e8590c", "anchor", (p) => T.fai[p] === null ? 0 : T.fai[p]]];
  canvas.dataset.rows = strips.map((s) => s[0] + ":" + s[5]).join(";");
  canvas.dataset.view = from + "-" + to;
  let labelled = 0;
  ctx.font = "11px system-ui, sans-serif";
  strips.forEach(([name, vals, colour, marks, markColour, markName, strength], k) => {
    const y0 = gap + k * (stripH + markH + labelH + gap);
    const x = (p) => pad + (p - from) * bw;
    // sentence bands
    for (let p = from; p < to; p++) {
      const s = T.sentence[p];
      if (s >= 0 && s % 2 === 1) { ctx.fillStyle = "#f3f4f7"; ctx.fillRect(x(p), y0, Math.ceil(bw), stripH); }
      if (state.sel >= 0 && s === state.sel) { ctx.fillStyle = "rgba(28,126,214,0.16)"; ctx.fillRect(x(p), y0, Math.ceil(bw), stripH + markH); }
    }
    const vmax = max(inView(vals));
    ctx.fillStyle = colour;
    for (let p = from; p < to; p++) {
      const v = vals[p];
      if (v === null || !isFinite(v)) continue;
      const h = Math.max(0.5, stripH * v / vmax);
      ctx.fillRect(x(p), y0 + stripH - h, Math.max(bw - (bw > 3 ? 0.5 : 0), 0.6), h);
    }
    ctx.fillStyle = markColour;
    for (let p = from; p < to; p++) if (marks[p] > 0) ctx.fillRect(x(p), y0 + stripH + 3, Math.max(bw, 1.2), markH - 4);
    // The strongest marked tokens in view, named under their marks.
    const strongest = [];
    for (let p = from; p < to; p++) if (marks[p] > 0) strongest.push(p);
    strongest.sort((a, b) => strength(b) - strength(a));
    const taken = [];
    ctx.textAlign = "center";
    for (const p of strongest) {
      if (taken.length === TOKEN_LABELS) break;
      const cx = x(p) + bw / 2;
      if (taken.some((t) => Math.abs(t - cx) < 60)) continue;  // keep labels apart
      taken.push(cx);
      const text = String(T.text[p]).replace(/\s+/g, " ").trim().slice(0, 10) || "·";
      ctx.fillStyle = markColour;
      ctx.fillText(text, Math.min(Math.max(cx, pad + 30), pad + plotW - 30), y0 + stripH + markH + labelH - 3);
    }
    labelled += taken.length;
    ctx.fillStyle = "#495057"; ctx.textAlign = "right";
    ctx.fillText(name, pad - 6, y0 + 12);
    ctx.fillStyle = "#868e96"; ctx.fillText(fmt(vmax), pad - 6, y0 + 25);
    ctx.fillStyle = markColour; ctx.fillText(markName, pad - 6, y0 + stripH + markH - 2);
    ctx.strokeStyle = "#ced4da"; ctx.beginPath(); ctx.moveTo(pad, y0 + stripH + 0.5); ctx.lineTo(pad + plotW, y0 + stripH + 0.5); ctx.stroke();
  });
  canvas.dataset.labels = String(labelled);
  ctx.fillStyle = "#868e96"; ctx.textAlign = "left";
  ctx.fillText("token " + firstToken, pad, height - 3);
  ctx.textAlign = "right"; ctx.fillText("token " + lastToken, pad + plotW, height - 3);
  const barAt = (ev) => {
    const r = canvas.getBoundingClientRect();
    return from + Math.floor((ev.clientX - r.left - pad) / bw);
  };
  canvas.onmousemove = (ev) => {
    const p = barAt(ev);
    if (p < from || p >= to) return hideTip();
    showTip(ev, "tokens " + T.start[p] + (T.count[p] > 1 ? "–" + (T.start[p] + T.count[p] - 1) : "") +
      "  sentence " + (T.sentence[p] >= 0 ? T.sentence[p] : "–") + "\nWAAD " + fmt(T.waad[p]) + "  FAI " + fmt(T.fai[p]) +
      (T.preplan[p] ? "  preplan ×" + T.preplan[p] : "") + (T.anchor[p] ? "  anchor ×" + T.anchor[p] : "") + "\n" + JSON.stringify(T.text[p]));
  };
  canvas.onmouseleave = hideTip;
  // A drag across the strips zooms to the bars it spans; a click selects the sentence.
  canvas.onmousedown = (ev) => { canvas.dataset.dragFrom = String(barAt(ev)); };
  canvas.onmouseup = (ev) => {
    const start = Number(canvas.dataset.dragFrom), end = barAt(ev);
    delete canvas.dataset.dragFrom;
    if (Number.isFinite(start) && Math.abs(end - start) >= 2) {
      return setTokView(Math.min(start, end), Math.max(start, end) + 1);
    }
    const p = end;
    if (p >= from && p < to && T.sentence[p] >= 0) select(T.sentence[p], true);
  };
}
if (T) {
  $("tok-from").oninput = () => setTokView(Number($("tok-from").value), Math.max(tokView.to, Number($("tok-from").value) + 1));
  $("tok-to").oninput = () => setTokView(Math.min(tokView.from, Number($("tok-to").value) - 1), Number($("tok-to").value));
  $("tok-reset").onclick = () => setTokView(0, T.start.length);
}

// ---- sink map ----------------------------------------------------------------------------------
function drawSinks() {
  const list = $("sink-list");
  if (!D.sink_heads.length) {
    $("sgrid").style.display = "none";
    list.textContent = "Not available: the trace has no token rhythm (see notes).";
    return;
  }
  let chosen = -1;
  const massMax = Math.max(1e-9, ...D.sink_heads.map((s) => s[3] || 0));
  $("sink-caption").textContent = "share of each head's attention taken by its sink tokens (ACT c_j > τ), darkest = " + fmt(massMax) + "; red dot: a hidden sink; click a head";
  const render = () => {
    headGrid($("sgrid"), (f) => D.sink_heads[f][3], (v) => v === null ? "#d9dce2" : rgb(ramp(BLUES, 0.08 + 0.92 * v / massMax)),
      (f) => { const s = D.sink_heads[f]; return "head " + Math.floor(f / H) + ":" + (f % H) + "  sink mass " + fmt(s[3]) + "\nfirst-token " + s[0] + ", punctuation " + s[1] + ", hidden " + s[2]; },
      (f) => { chosen = f; render(); },
      (svg, f, x, y, cell) => {
        if (D.sink_heads[f][2] > 0) svg.appendChild(svgEl("circle", { cx: x + cell / 2 - 0.5, cy: y + cell / 2 - 0.5, r: Math.max(1.5, cell / 7), fill: "#e03131", "pointer-events": "none" }));
        if (f === chosen) svg.appendChild(svgEl("rect", { x: x - 1, y: y - 1, width: cell + 1, height: cell + 1, fill: "none", stroke: "#1c7ed6", "stroke-width": 2.5, "pointer-events": "none" }));
      });
    list.textContent = "";
    let sinks, caption;
    if (chosen >= 0) {
      sinks = D.sinks.filter((s) => s[0] * H + s[1] === chosen).map((s) => [s[2], s[5], s[4], 1, s[3]]);
      caption = "Sinks of head " + Math.floor(chosen / H) + ":" + (chosen % H);
    } else {
      const by = new Map();
      for (const s of D.sinks) {
        const e = by.get(s[2]) || [s[2], s[5], s[4], 0, 0];
        e[3] += 1; e[4] = Math.max(e[4], s[3]); by.set(s[2], e);
      }
      sinks = [...by.values()].sort((a, b) => b[3] - a[3] || b[4] - a[4]);
      caption = "Sink tokens over all heads (" + D.sinks_total + " head–token sinks)";
    }
    if (D.sink_min_rows > 1) {
      caption += "; the last " + (D.sink_min_rows - 1) + " tokens are not candidates (c_j there " +
        "averages fewer than " + D.sink_min_rows + " query rows)";
    }
    list.appendChild(el("h3", {}, caption)).style.cssText = "font-size:13px;margin:0 0 6px;font-weight:600";
    const table = el("table", { class: "small" });
    const head = el("tr");
    ["token", "text", "kind", "heads", "max c_j"].forEach((t) => head.appendChild(el("th", {}, t)));
    table.appendChild(head);
    for (const [pos, text, kind, heads, score] of sinks.slice(0, 14)) {
      const tr = el("tr");
      tr.appendChild(el("td", { class: "n" }, String(pos)));
      tr.appendChild(el("td", {}, JSON.stringify(text)));
      tr.appendChild(el("td", {}, "")).appendChild(el("span", { class: "pill" }, kind));
      tr.appendChild(el("td", { class: "n" }, String(heads)));
      tr.appendChild(el("td", { class: "n" }, fmt(score)));
      table.appendChild(tr);
    }
    if (!sinks.length) { const tr = el("tr"); tr.appendChild(el("td", { colspan: 5 }, "no sinks above τ")); table.appendChild(tr); }
    list.appendChild(table);
    if (sinks.length > 14) list.appendChild(el("div", { class: "empty" }, "… and " + (sinks.length - 14) + " more"));
  };
  render();
}

drawHeatmap();
drawStrips();
drawSinks();
let resizeTimer = 0;
window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(drawStrips, 100); });
document.body.dataset.ready = "1";
})();
</script>
</body>
</html>
)sentlens";

}  // namespace

std::string_view report_template() {
  static const std::string page = std::string(kHead) + std::string(kScript);
  return page;
}

}  // namespace sentlens
