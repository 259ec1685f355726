// Times Tokenizers.js encoding one text (the baseline of bench/tokenize.cpp).
//   node tokenizer-bench.mjs DATA_DIR MODEL TEXT_FILE IDS_OUT REPEATS
// Prints {"seconds": best wall time of one encode, "tokens": n} and writes the ids to IDS_OUT.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [data_dir, model, text_file, ids_out, repeats = "3"] = process.argv.slice(2);
const { Tokenizer } = await import(
  pathToFileURL(path.join(data_dir, "tokenizers-js/package/dist/tokenizers.mjs")).href
);
const read = (name) => JSON.parse(fs.readFileSync(path.join(data_dir, model, name), "utf8"));
const tokenizer = new Tokenizer(read("tokenizer.json"), read("tokenizer_config.json"));
const text = fs.readFileSync(text_file, "utf8");
tokenizer.encode(text.slice(0, 10000));  // warm up the JIT on a prefix, not the cache on the text
let best = Infinity;
let ids = [];
for (let r = 0; r < Number(repeats); ++r) {
  // A fresh tokenizer per run: Tokenizers.js caches BPE results, so later runs would be warm.
  const fresh = new Tokenizer(read("tokenizer.json"), read("tokenizer_config.json"));
  const start = process.hrtime.bigint();
  ids = fresh.encode(text, { add_special_tokens: false }).ids;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  best = Math.min(best, seconds);
}
fs.writeFileSync(ids_out, JSON.stringify(ids));
console.log(JSON.stringify({ seconds: best, tokens: ids.length }));
