// Computes the expected ids of the tokenizer parity tests with Tokenizers.js (the reference).
//   node tokenizer-reference.mjs DATA_DIR CORPUS_JSON
// Writes DATA_DIR/expected/<model>.json: one entry per corpus string with
//   ids        encode(text)                              (add_special_tokens: true)
//   ids_plain  encode(text, {add_special_tokens: false})
//   decoded    decode(ids_plain), or null when ids_plain is empty (Tokenizers.js refuses that)
// Also builds DATA_DIR/gpt2_style: a GPT-2 layout (vocab.json + merges.txt) from Qwen3's byte-level
// vocabulary with the GPT-2 ByteLevel regex, and its equivalent tokenizer.json for the reference.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [data_dir, corpus_path] = process.argv.slice(2);
const { Tokenizer } = await import(
  pathToFileURL(path.join(data_dir, "tokenizers-js/package/dist/tokenizers.mjs")).href
);
const corpus = JSON.parse(fs.readFileSync(corpus_path, "utf8"));

function write_gpt2_style() {
  const qwen = JSON.parse(fs.readFileSync(path.join(data_dir, "qwen3/tokenizer.json"), "utf8"));
  const dir = path.join(data_dir, "gpt2_style");
  fs.mkdirSync(dir, { recursive: true });
  const eot = qwen.added_tokens.find((t) => t.content === "<|endoftext|>");
  const vocab = { ...qwen.model.vocab, [eot.content]: eot.id };
  const merges = qwen.model.merges.map((m) => (Array.isArray(m) ? m.join(" ") : m));
  fs.writeFileSync(path.join(dir, "vocab.json"), JSON.stringify(vocab));
  fs.writeFileSync(path.join(dir, "merges.txt"), "#version: 0.2\n" + merges.join("\n") + "\n");
  const config = { add_bos_token: false, clean_up_tokenization_spaces: false };
  fs.writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify(config));
  const json = {
    version: "1.0",
    added_tokens: [{ id: eot.id, content: eot.content, single_word: false, lstrip: false,
                     rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: { type: "BPE", vocab, merges, unk_token: null, byte_fallback: false },
  };
  // Kept out of the folder so that the sentlens loader picks vocab.json + merges.txt there.
  fs.writeFileSync(path.join(data_dir, "gpt2_style.tokenizer.json"), JSON.stringify(json));
  return [json, config];
}

const models = ["llama2", "llama3", "qwen3", "deepseek_v3"];
const [gpt2_json, gpt2_config] = write_gpt2_style();
for (const name of [...models, "gpt2_style"]) {
  const [json, config] = name === "gpt2_style" ? [gpt2_json, gpt2_config] : [
    JSON.parse(fs.readFileSync(path.join(data_dir, name, "tokenizer.json"), "utf8")),
    JSON.parse(fs.readFileSync(path.join(data_dir, name, "tokenizer_config.json"), "utf8")),
  ];
  const tokenizer = new Tokenizer(json, config);
  const expected = corpus.map((text) => {
    const ids = tokenizer.encode(text).ids;
    const ids_plain = tokenizer.encode(text, { add_special_tokens: false }).ids;
    const decoded = ids_plain.length > 0 ? tokenizer.decode(ids_plain) : null;
    return { ids, ids_plain, decoded };
  });
  fs.writeFileSync(path.join(data_dir, "expected", `${name}.json`), JSON.stringify(expected));
  console.log(`${name}: ${expected.length} strings`);
}
