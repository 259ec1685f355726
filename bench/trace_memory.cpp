// Peak memory of `sentlens trace` on a long text with a random-weight checkpoint of the
// Qwen2.5-0.5B shape (24 layers, 14 query heads, 2 KV heads, hidden 896): the streaming sentence
// pooling must keep peak RSS within weights + 1.5 GiB, where full attention maps would need
// L·H·T²·4 bytes. Runs the real CLI as a child process and reads its peak RSS from wait4; the
// baseline is the same command on a short text, in the same run. Also times the long trace with
// sentence pooling alone (--no-token-rhythm) against pooling + token rhythm (target <= +10%).
//
// usage: sentlens_bench_trace_memory [--tokens N] [--work DIR] [--cli PATH] [--shared DIR]
//                                    [--threads N] [--block-size N]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "sentlens/io/safetensors.h"
#include "sentlens/tokenizer/tokenizer.h"

namespace fs = std::filesystem;

namespace {

// Qwen2.5-0.5B shape.
constexpr std::int64_t kLayers = 24, kHeads = 14, kKvHeads = 2, kHidden = 896, kHeadDim = 64;
constexpr std::int64_t kIntermediate = 4864, kVocab = 151936;

std::uint64_t state = 0x9E3779B97F4A7C15ull;
float next_uniform(float scale) {  // xorshift64*: fast, reproducible
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  const std::uint64_t bits = state * 0x2545F4914F6CDD1Dull;
  return scale * (static_cast<float>(bits >> 40) / static_cast<float>(1ull << 24) * 2.0f - 1.0f);
}

std::int64_t write_checkpoint(const fs::path& dir, const fs::path& tokenizer_dir) {
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << fmt::format(
      R"({{"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": {},
 "hidden_size": {}, "intermediate_size": {}, "num_hidden_layers": {}, "num_attention_heads": {},
 "num_key_value_heads": {}, "max_position_embeddings": 32768, "rms_norm_eps": 1e-06,
 "rope_theta": 1000000.0, "hidden_act": "silu", "tie_word_embeddings": true,
 "use_sliding_window": false, "torch_dtype": "bfloat16", "bos_token_id": 1, "eos_token_id": 2}})",
      kVocab, kHidden, kIntermediate, kLayers, kHeads, kKvHeads);
  for (const char* name : {"tokenizer.model", "tokenizer_config.json"}) {
    if (fs::exists(tokenizer_dir / name)) {
      fs::copy_file(tokenizer_dir / name, dir / name, fs::copy_options::overwrite_existing);
    }
  }
  sentlens::SafetensorsWriter writer;
  std::vector<std::shared_ptr<std::vector<std::uint16_t>>> keep;
  std::int64_t parameters = 0;
  auto add = [&](const std::string& name, std::vector<std::int64_t> shape, float scale,
                 float constant = 0.0f) {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    parameters += n;
    auto data = std::make_shared<std::vector<std::uint16_t>>(static_cast<std::size_t>(n));
    for (auto& v : *data) {
      float f = scale > 0 ? next_uniform(scale) : constant;
      std::uint32_t bits;
      std::memcpy(&bits, &f, 4);
      v = static_cast<std::uint16_t>(bits >> 16);  // bf16 by truncation
    }
    writer.add(name, sentlens::DType::BF16, std::move(shape), data->data(), data);
  };
  add("model.embed_tokens.weight", {kVocab, kHidden}, 0.05f);
  for (std::int64_t l = 0; l < kLayers; ++l) {
    const std::string p = fmt::format("model.layers.{}.", l);
    add(p + "self_attn.q_proj.weight", {kHeads * kHeadDim, kHidden}, 0.05f);
    add(p + "self_attn.q_proj.bias", {kHeads * kHeadDim}, 0.05f);
    add(p + "self_attn.k_proj.weight", {kKvHeads * kHeadDim, kHidden}, 0.05f);
    add(p + "self_attn.k_proj.bias", {kKvHeads * kHeadDim}, 0.05f);
    add(p + "self_attn.v_proj.weight", {kKvHeads * kHeadDim, kHidden}, 0.05f);
    add(p + "self_attn.v_proj.bias", {kKvHeads * kHeadDim}, 0.05f);
    add(p + "self_attn.o_proj.weight", {kHidden, kHeads * kHeadDim}, 0.05f);
    add(p + "mlp.gate_proj.weight", {kIntermediate, kHidden}, 0.05f);
    add(p + "mlp.up_proj.weight", {kIntermediate, kHidden}, 0.05f);
    add(p + "mlp.down_proj.weight", {kHidden, kIntermediate}, 0.05f);
    add(p + "input_layernorm.weight", {kHidden}, 0.0f, 1.0f);
    add(p + "post_attention_layernorm.weight", {kHidden}, 0.0f, 1.0f);
  }
  add("model.norm.weight", {kHidden}, 0.0f, 1.0f);
  writer.write(dir / "model.safetensors");
  return parameters;
}

// A text of at least `tokens` tokens: numbered sentences, several per paragraph.
std::string make_text(const fs::path& tokenizer_dir, std::int64_t tokens) {
  const auto tokenizer = sentlens::load_tokenizer(tokenizer_dir);
  std::string text = "Solve the problem. <think>\n";
  const char* pieces[] = {"The cat sat on the mat and looked at the sky.",
                          "Then it saw a bird fly over the big tree!", "Why did the bird go there?",
                          "Maybe it wanted to find some food for its babies.",
                          "Let me check that again, step by step."};
  std::int64_t i = 0;
  while (true) {
    std::string chunk;
    for (int k = 0; k < 50; ++k, ++i) {
      chunk += pieces[i % 5];
      chunk += (i % 7 == 6) ? "\n\n" : " ";
    }
    text += chunk;
    if (static_cast<std::int64_t>(tokenizer->encode(text).size()) >= tokens) break;
  }
  return text + "\n</think> The answer is 42.";
}

struct Run {
  long peak_rss_kib = 0;
  double seconds = 0;
  int status = 0;
  std::string output;
};

Run run_cli(const std::vector<std::string>& args) {
  Run run;
  const auto start = std::chrono::steady_clock::now();
  const fs::path log = fs::temp_directory_path() / fmt::format("sentlens-bench-{}.log", getpid());
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::freopen(log.c_str(), "w", stdout);
    execv(argv[0], argv.data());
    _exit(127);
  }
  struct rusage usage {};
  wait4(pid, &run.status, 0, &usage);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.peak_rss_kib = usage.ru_maxrss;
  std::ifstream in(log);
  run.output.assign(std::istreambuf_iterator<char>(in), {});
  fs::remove(log);
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t tokens = 8192;
  std::string threads = "0", block = "256";
  fs::path work = fs::temp_directory_path() / "sentlens-bench-trace-memory";
  // Defaults: the CLI beside the bench folder of the build, shared/ beside the repository (as
  // the tests find it) unless $SENTLENS_SHARED says otherwise.
  fs::path cli = fs::absolute(argv[0]).parent_path().parent_path() / "sentlens";
  fs::path shared = std::getenv("SENTLENS_SHARED") != nullptr
                        ? fs::path(std::getenv("SENTLENS_SHARED"))
                        : fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--tokens") tokens = std::stoll(argv[i + 1]);
    if (key == "--work") work = argv[i + 1];
    if (key == "--cli") cli = argv[i + 1];
    if (key == "--shared") shared = argv[i + 1];
    if (key == "--threads") threads = argv[i + 1];
    if (key == "--block-size") block = argv[i + 1];
  }
  const fs::path tokenizer_dir = shared / "models/stories260K";
  const fs::path model_dir = work / "qwen2.5-0.5b-shape";
  std::int64_t parameters = 0;
  if (!fs::exists(model_dir / "model.safetensors")) {
    fmt::print("writing a random Qwen2.5-0.5B-shape checkpoint to {} ...\n", model_dir.string());
    parameters = write_checkpoint(model_dir, tokenizer_dir);
  } else {
    parameters = kVocab * kHidden + kHidden +
                 kLayers * (2 * kHeads * kHeadDim * kHidden + kHeads * kHeadDim +
                            2 * (kKvHeads * kHeadDim * kHidden + kKvHeads * kHeadDim) +
                            3 * kHidden * kIntermediate + 2 * kHidden);
  }
  const double weights_gib = static_cast<double>(parameters) * 4 / (1ull << 30);  // float32 in RAM
  const std::string long_text = make_text(tokenizer_dir, tokens);
  std::ofstream(work / "long.txt") << long_text;
  std::ofstream(work / "short.txt") << "Solve it. <think>\nThe cat sat. The dog ran far away. "
                                       "Why did it run? It saw a bird.\n</think> Done.";
  auto trace = [&](const std::string& text_file, const std::string& out, bool rhythm = true) {
    std::vector<std::string> args = {cli.string(),   "trace",
                                     "--model",      model_dir.string(),
                                     "--text-file",  (work / text_file).string(),
                                     "--out",        (work / out).string(),
                                     "--threads",    threads,
                                     "--block-size", block,
                                     "--json"};
    if (!rhythm) args.push_back("--no-token-rhythm");
    return run_cli(args);
  };
  const Run baseline = trace("short.txt", "short.trace.safetensors");
  // Sentence pooling alone, then everything (pooling + token rhythm accumulators) in one pass.
  const Run pooling_only = trace("long.txt", "long-pooling.trace.safetensors", false);
  const Run full = trace("long.txt", "long.trace.safetensors");
  if (baseline.status != 0 || full.status != 0 || pooling_only.status != 0) {
    fmt::print(stderr, "sentlens trace failed (status {} / {} / {}):\n{}\n{}\n{}\n",
               baseline.status, pooling_only.status, full.status, baseline.output,
               pooling_only.output, full.output);
    return 1;
  }
  auto forward_seconds = [](const Run& run) {
    const auto at = run.output.find("\"forward\": ");
    return at == std::string::npos ? 0.0 : std::stod(run.output.substr(at + 11));
  };
  const double gib = 1.0 / (1 << 20);  // KiB -> GiB
  const double base_gib = static_cast<double>(baseline.peak_rss_kib) * gib;
  const double peak_gib = static_cast<double>(full.peak_rss_kib) * gib;
  fmt::print("{}\n", full.output);
  // T from the CLI's JSON summary.
  const auto at = full.output.find("\"tokens\": ");
  const std::int64_t t = at == std::string::npos ? tokens : std::stoll(full.output.substr(at + 10));
  const double full_maps_gib = static_cast<double>(kLayers * kHeads) * static_cast<double>(t) *
                               static_cast<double>(t) * 4.0 / (1ull << 30);
  fmt::print("weights (float32 in memory)      {:8.3f} GiB\n", weights_gib);
  fmt::print("baseline: short text   peak RSS  {:8.3f} GiB  {:7.1f} s\n", base_gib,
             baseline.seconds);
  fmt::print("trace: {} tokens     peak RSS  {:8.3f} GiB  {:7.1f} s\n", t, peak_gib, full.seconds);
  fmt::print("peak - weights                   {:8.3f} GiB  (budget 1.5 GiB: {})\n",
             peak_gib - weights_gib, peak_gib - weights_gib <= 1.5 ? "ok" : "EXCEEDED");
  fmt::print(
      "peak / baseline                  {:8.3f}x  (+{:.3f} GiB for {} tokens: the trace's own "
      "cost; the baseline is dominated by loading the checkpoint)\n",
      peak_gib / base_gib, peak_gib - base_gib, t);
  const double pooling_s = forward_seconds(pooling_only), all_s = forward_seconds(full);
  fmt::print(
      "forward: pooling only {:8.3f} s, pooling + token rhythm {:8.3f} s: {:+.1f}% "
      "(target <= +10%); peak RSS {:.3f} -> {:.3f} GiB\n",
      pooling_s, all_s, 100.0 * (all_s / pooling_s - 1.0),
      static_cast<double>(pooling_only.peak_rss_kib) * gib, peak_gib);
  fmt::print("full attention maps would need   {:8.1f} GiB  ({:.0f}x the measured peak)\n",
             full_maps_gib, full_maps_gib / peak_gib);
  return peak_gib - weights_gib <= 1.5 ? 0 : 2;
}
