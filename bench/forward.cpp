// bench/forward: the forward pass against the machine's GEMM limit and against an eager forward
// written as transformers writes it, measured in one run with the variants alternating so that all
// see the same machine load. For each model shape and T:
//   (a) gemm      the forward's own matmuls (same shapes, same order: q/k/v, the attention blocks'
//                 QKᵀ and P·V, o_proj, the MLP chunks), back to back into preallocated outputs;
//   (b) eager     transformers' eager forward in the same process: separate q/k/v projections,
//                 repeat_kv, full [H, T, T] scores + additive causal mask, softmax, logits for all
//                 positions (what transformers' forward returns);
//   (b+attn)      the same with every layer's [H, T, T] attention kept (output_attentions=True);
//   (c) forward   Model::forward without observers or LM head (what capture needs);
//   (c+logits)    Model::forward with logits for every position (what `forward --out` needs);
//   (d) capture   the `analyze` capture pass: sentence pooling and token rhythm observers.
// Each line: best and median wall seconds of --repeats runs, with that run's user/system CPU
// seconds, minor page faults and the peak RSS reached during it (VmHWM reset before each run).
//
// usage: sentlens_bench_forward [--tokens 512,1024,2048,4096] [--models qwen0.5b,llama12]
//                               [--threads 2] [--repeats 3] [--warmup 1] [--skip eager-attn,...]
//                               [--work DIR] [--shared DIR]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <torch/torch.h>

#include "bench_text.h"
#include "random_checkpoint.h"
#include "sentlens/capture/trace_capture.h"
#include "sentlens/model/model.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "sentlens/util/openmp.h"

namespace fs = std::filesystem;

namespace {

struct Sample {
  double wall = 0, user = 0, system = 0;
  long minor_faults = 0;
  double peak_rss_gib = 0;
};

double timeval_seconds(const timeval& value) {
  return static_cast<double>(value.tv_sec) + static_cast<double>(value.tv_usec) * 1e-6;
}

// Peak RSS since the last reset: VmHWM of /proc/self/status, reset by writing 5 to clear_refs.
void reset_peak_rss() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

double peak_rss_gib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      double kib = 0;
      fields >> kib;
      return kib / (1024.0 * 1024.0);
    }
  }
  return 0;
}

Sample measure(const std::function<void()>& action) {
  reset_peak_rss();
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  const auto start = std::chrono::steady_clock::now();
  action();
  Sample sample;
  sample.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  getrusage(RUSAGE_SELF, &after);
  sample.user = timeval_seconds(after.ru_utime) - timeval_seconds(before.ru_utime);
  sample.system = timeval_seconds(after.ru_stime) - timeval_seconds(before.ru_stime);
  sample.minor_faults = after.ru_minflt - before.ru_minflt;
  sample.peak_rss_gib = peak_rss_gib();
  return sample;
}

// The internal weights of one layer, taken from Model::parameters() (no second copy in memory).
struct LayerView {
  torch::Tensor attn_norm, qkv, qkv_bias, o, mlp_norm, gate_up, down;
};

struct WeightsView {
  torch::Tensor embedding, final_norm, lm_head;
  std::vector<LayerView> layers;
};

// Parameters come in the order of Model::parameters(): embedding, per layer (attn norm, qkv,
// qkv bias, o, mlp norm, gate_up, down — absent tensors skipped), final norm, lm_head unless tied.
WeightsView view_weights(const sentlens::Model& model) {
  const auto& config = model.config();
  // Float32 copies: the baselines compute in float32 with weights converted once (the model keeps
  // its weights in the checkpoint's dtype and converts a layer per forward, which (c) includes).
  std::vector<torch::Tensor> parameters;
  for (const auto& tensor : model.parameters()) parameters.push_back(tensor.to(torch::kFloat32));
  std::size_t next = 0;
  WeightsView view;
  view.embedding = parameters[next++];
  for (std::int64_t l = 0; l < config.num_layers; ++l) {
    LayerView layer;
    layer.attn_norm = parameters[next++];
    layer.qkv = parameters[next++];
    if (config.qkv_bias) layer.qkv_bias = parameters[next++];
    layer.o = parameters[next++];
    layer.mlp_norm = parameters[next++];
    layer.gate_up = parameters[next++];
    layer.down = parameters[next++];
    view.layers.push_back(layer);
  }
  view.final_norm = parameters[next++];
  view.lm_head = next < parameters.size() ? parameters[next] : view.embedding;
  return view;
}

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  auto variance = x.pow(2).mean(-1, true);
  return weight * (x * torch::rsqrt(variance + eps));
}

torch::Tensor rotate_half(const torch::Tensor& x) {
  const auto half = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// (b): LlamaAttention / Qwen2Attention's eager path and the decoder layer around it, op for op as
// transformers 4.45 writes them (float32, no grad, one sequence).
torch::Tensor eager_forward(const sentlens::Model& model, const WeightsView& w,
                            const torch::Tensor& ids, bool keep_attentions,
                            std::vector<torch::Tensor>* attentions) {
  const auto& c = model.config();
  const std::int64_t T = ids.size(0), H = c.num_heads, KVH = c.num_kv_heads, Dh = c.head_dim;
  const std::int64_t G = H / KVH;
  auto hidden = torch::embedding(w.embedding, ids).unsqueeze(0);  // [1, T, D]
  // Rotary tables and the additive causal mask (finfo.min above the diagonal), built once.
  auto exponents = torch::arange(0, Dh, 2, torch::kInt64).to(torch::kFloat32) / double(Dh);
  auto inv_freq = 1.0 / torch::pow(c.rope_theta, exponents);
  auto freqs = torch::outer(torch::arange(T, torch::kFloat32), inv_freq);
  auto emb = torch::cat({freqs, freqs}, -1);
  auto cos = emb.cos(), sin = emb.sin();
  auto mask = torch::full({T, T}, std::numeric_limits<float>::lowest()).triu(1);
  for (const auto& layer : w.layers) {
    auto residual = hidden;
    auto x = rms_norm(hidden, layer.attn_norm, c.norm_eps);
    auto bias = [&](std::int64_t start, std::int64_t size) {
      return layer.qkv_bias.defined() ? layer.qkv_bias.narrow(0, start, size) : torch::Tensor();
    };
    auto q = torch::nn::functional::linear(x, layer.qkv.narrow(0, 0, H * Dh), bias(0, H * Dh));
    auto k = torch::nn::functional::linear(x, layer.qkv.narrow(0, H * Dh, KVH * Dh),
                                           bias(H * Dh, KVH * Dh));
    auto v = torch::nn::functional::linear(x, layer.qkv.narrow(0, (H + KVH) * Dh, KVH * Dh),
                                           bias((H + KVH) * Dh, KVH * Dh));
    q = q.view({1, T, H, Dh}).transpose(1, 2);
    k = k.view({1, T, KVH, Dh}).transpose(1, 2);
    v = v.view({1, T, KVH, Dh}).transpose(1, 2);
    q = q * cos + rotate_half(q) * sin;
    k = k * cos + rotate_half(k) * sin;
    // repeat_kv: expand and reshape (a copy of K and V per query head).
    k = k.unsqueeze(2).expand({1, KVH, G, T, Dh}).reshape({1, H, T, Dh});
    v = v.unsqueeze(2).expand({1, KVH, G, T, Dh}).reshape({1, H, T, Dh});
    auto scores = torch::matmul(q, k.transpose(2, 3)) / std::sqrt(double(Dh));
    scores = scores + mask;
    auto probs = torch::softmax(scores, -1, torch::kFloat32);
    auto out = torch::matmul(probs, v).transpose(1, 2).contiguous().reshape({1, T, H * Dh});
    hidden = residual + torch::nn::functional::linear(out, layer.o);
    if (keep_attentions) attentions->push_back(probs);
    residual = hidden;
    x = rms_norm(hidden, layer.mlp_norm, c.norm_eps);
    const auto I = c.intermediate_size;
    auto gate = torch::nn::functional::linear(x, layer.gate_up.narrow(0, 0, I));
    auto up = torch::nn::functional::linear(x, layer.gate_up.narrow(0, I, I));
    hidden = residual + torch::nn::functional::linear(torch::silu(gate) * up, layer.down);
  }
  hidden = rms_norm(hidden, w.final_norm, c.norm_eps);
  return torch::nn::functional::linear(hidden, w.lm_head);
}

// (a): the matmuls Model::forward runs, with its block policy (256 rows, fewer when one [H, rows,
// keys] block would exceed 32 MiB) and its MLP chunks, into preallocated outputs.
class GemmLimit {
 public:
  GemmLimit(const sentlens::Model& model, const WeightsView& w, std::int64_t T)
      : model_(model), w_(w), T_(T) {
    const auto& c = model.config();
    const auto D = c.hidden_size, H = c.num_heads, KVH = c.num_kv_heads, Dh = c.head_dim;
    x_ = torch::randn({T, D});
    qkv_ = torch::empty({T, (H + 2 * KVH) * Dh});
    q_ = torch::randn({KVH, (H / KVH) * 256, Dh});
    keys_ = torch::randn({KVH, T, Dh});
    values_ = torch::randn({KVH, T, Dh});
    scores_ = torch::empty({KVH * (H / KVH) * 256 * T});
    context_ = torch::empty({KVH, (H / KVH) * 256, Dh});
    merged_ = torch::randn({T, H * Dh});
    out_ = torch::empty({T, D});
    const auto columns = c.intermediate_size * (c.mlp == sentlens::MlpKind::kGated ? 2 : 1);
    // The forward's MLP chunks (src/model/forward.cpp, inference: [rows, 2·I] within 64 MiB,
    // 64..1024 rows).
    mlp_rows_ = std::clamp<std::int64_t>((std::int64_t{64} << 20) / (4 * columns), 64, 1024);
    const auto rows = std::min<std::int64_t>(T, mlp_rows_);
    gate_up_ = torch::empty({rows, columns});
    activated_ = torch::randn({rows, c.intermediate_size});
  }

  void run() {
    const auto& c = model_.config();
    const auto H = c.num_heads, KVH = c.num_kv_heads, G = H / KVH;
    const std::int64_t block = std::max<std::int64_t>(
        1, std::min<std::int64_t>(256, (std::int64_t{32} << 20) / (4 * H * T_)));
    for (const auto& layer : w_.layers) {
      at::mm_out(qkv_, x_, layer.qkv.t());
      for (std::int64_t row = 0; row < T_; row += block) {
        const auto rows = std::min(block, T_ - row), keys = row + rows;
        auto q = q_.narrow(1, 0, G * rows);
        auto scores = scores_.narrow(0, 0, KVH * G * rows * keys).view({KVH, G * rows, keys});
        auto context = context_.narrow(1, 0, G * rows);
        at::bmm_out(scores, q, keys_.narrow(1, 0, keys).transpose(1, 2));
        at::bmm_out(context, scores, values_.narrow(1, 0, keys));
      }
      at::mm_out(out_, merged_, layer.o.t());
      for (std::int64_t row = 0; row < T_; row += mlp_rows_) {
        const auto rows = std::min<std::int64_t>(mlp_rows_, T_ - row);
        auto gate_up = gate_up_.narrow(0, 0, rows), out = out_.narrow(0, row, rows);
        at::mm_out(gate_up, x_.narrow(0, row, rows), layer.gate_up.t());
        at::mm_out(out, activated_.narrow(0, 0, rows), layer.down.t());
      }
    }
  }

  // Floating-point operations of run().
  double flops() const {
    const auto& c = model_.config();
    const double D = c.hidden_size, H = c.num_heads, KVH = c.num_kv_heads, Dh = c.head_dim;
    const double I = c.intermediate_size * (c.mlp == sentlens::MlpKind::kGated ? 3 : 2);
    const double T = static_cast<double>(T_);
    const double linear = T * (D * (H + 2 * KVH) * Dh + H * Dh * D + I * D);
    const double attention = 2 * H * Dh * T * (T + 1) / 2;
    return 2.0 * c.num_layers * (linear + attention);
  }

 private:
  const sentlens::Model& model_;
  const WeightsView& w_;
  std::int64_t T_;
  std::int64_t mlp_rows_ = 1024;
  torch::Tensor x_, qkv_, q_, keys_, values_, scores_, context_, merged_, out_, gate_up_,
      activated_;
};

void print_line(const std::string& label, std::vector<Sample> samples, double reference_wall,
                const std::string& reference_name) {
  std::sort(samples.begin(), samples.end(),
            [](const Sample& a, const Sample& b) { return a.wall < b.wall; });
  const Sample& best = samples.front();
  const Sample& median = samples[samples.size() / 2];
  std::string ratio;
  if (reference_wall > 0)
    ratio = fmt::format("  {:.3f}x {}", best.wall / reference_wall, reference_name);
  fmt::print(
      "  {:<11} best {:>8.2f} s (user {:>7.2f} s, sys {:>6.2f} s, minflt {:>8}, peak {:>5.2f} GiB)"
      "  median {:>8.2f} s{}\n",
      label, best.wall, best.user, best.system, best.minor_faults, best.peak_rss_gib, median.wall,
      ratio);
}

}  // namespace

int main(int argc, char** argv) {
  sentlens::ensure_passive_openmp_wait(argv);  // as the CLI (sentlens/util/openmp.h)
  std::vector<std::int64_t> token_counts = {512, 1024, 2048, 4096};
  std::vector<std::string> models = {"qwen0.5b", "llama12"};
  std::set<std::string> skip;
  int threads = 2, repeats = 3;
  bool warmup = true;  // one uncounted run of each variant first
  fs::path work = fs::temp_directory_path() / "sentlens-bench-forward";
  fs::path shared = std::getenv("SENTLENS_SHARED") != nullptr
                        ? fs::path(std::getenv("SENTLENS_SHARED"))
                        : fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--tokens") {
      token_counts.clear();
      for (const auto& item : sentlens::bench::split_list(value))
        token_counts.push_back(std::stoll(item));
    } else if (key == "--models") {
      models = sentlens::bench::split_list(value);
    } else if (key == "--threads") {
      threads = std::stoi(value);
    } else if (key == "--repeats") {
      repeats = std::max(1, std::stoi(value));
    } else if (key == "--warmup") {
      warmup = value != "0";
    } else if (key == "--skip") {
      for (const auto& item : sentlens::bench::split_list(value)) skip.insert(item);
    } else if (key == "--work") {
      work = value;
    } else if (key == "--shared") {
      shared = value;
    } else {
      fmt::print(stderr, "unknown option {}\n", key);
      return 2;
    }
  }
  try {
    torch::NoGradGuard no_grad;
    const fs::path tokenizer_dir = shared / "models/stories260K";
    for (const auto& name : models) {
      sentlens::bench::CheckpointShape shape;
      if (name == "qwen0.5b") {
        shape = sentlens::bench::qwen2_5_0_5b_shape();
      } else if (name == "llama12") {
        shape = sentlens::bench::llama_12_layer_shape();
      } else {
        fmt::print(stderr, "unknown model {} (qwen0.5b, llama12)\n", name);
        return 2;
      }
      const fs::path folder = work / name;
      if (!fs::exists(folder / "config.json")) {
        fmt::print("writing a random {}-shape checkpoint to {} ...\n", name, folder.string());
        sentlens::bench::write_random_checkpoint(folder, shape, tokenizer_dir);
      }
      const auto model = sentlens::Model::load(folder, {torch::kCPU, threads});
      const auto tokenizer = sentlens::load_tokenizer(folder);
      const auto weights = view_weights(model);
      fmt::print("{}: {} parameters, {} threads\n", name, model.parameter_count(),
                 torch::get_num_threads());
      for (const auto requested : token_counts) {
        // The bench text tokenized by the checkpoint's tokenizer, cut where token T starts (the
        // cut text can tokenize to a token more or less at its end: T is printed as measured).
        std::string text = sentlens::bench::make_bench_text(tokenizer_dir, requested);
        sentlens::TraceParameters parameters;
        const auto full = tokenizer->encode(text);
        if (static_cast<std::int64_t>(full.size()) > requested) {
          text.resize(static_cast<std::size_t>(
              full.tokens[static_cast<std::size_t>(requested)].byte_start));
        }
        const auto aligned = sentlens::align_text(*tokenizer, text, parameters);
        auto ids = torch::tensor(aligned.encoding.ids());
        const std::int64_t T = ids.size(0);
        GemmLimit gemm(model, weights, T);
        std::map<std::string, std::function<void()>> variants = {
            {"(a) gemm", [&] { gemm.run(); }},
            {"(b) eager", [&] { eager_forward(model, weights, ids, false, nullptr); }},
            {"(b+attn)",
             [&] {
               std::vector<torch::Tensor> attentions;
               eager_forward(model, weights, ids, true, &attentions);
             }},
            {"(c) forward",
             [&] {
               sentlens::ForwardOptions options;
               options.compute_logits = false;
               model.forward(ids, options);
             }},
            {"(c+logits)", [&] { model.forward(ids); }},
            {"(d) capture",
             [&] { sentlens::capture_aligned(model, *tokenizer, text, aligned, parameters); }},
        };
        const std::vector<std::pair<std::string, std::string>> order = {
            {"(a) gemm", "gemm"},
            {"(b) eager", "eager"},
            {"(b+attn)", "eager-attn"},
            {"(c) forward", "forward"},
            {"(c+logits)", "forward-logits"},
            {"(d) capture", "capture"}};
        std::map<std::string, std::vector<Sample>> samples;
        for (const auto& [label, key] : order) {
          if (warmup && skip.count(key) == 0) variants[label]();  // warm-up, not counted
        }
        for (int r = 0; r < repeats; ++r) {
          for (const auto& [label, key] : order) {
            if (skip.count(key) == 0) samples[label].push_back(measure(variants[label]));
          }
        }
        auto best = [&](const std::string& label) {
          if (samples[label].empty()) return 0.0;
          double value = std::numeric_limits<double>::infinity();
          for (const auto& sample : samples[label]) value = std::min(value, sample.wall);
          return value;
        };
        fmt::print("{} T {} ({} GFLOP in the forward's matmuls)\n", name, T, gemm.flops() / 1e9);
        for (const auto& [label, key] : order) {
          if (samples[label].empty()) continue;
          double reference = 0;
          std::string reference_name;
          if (label == "(c) forward" || label == "(c+logits)") {
            reference = best("(a) gemm");
            reference_name = "of (a)";
          } else if (label == "(d) capture") {
            reference = best("(c) forward");
            reference_name = "of (c)";
          } else if (label == "(a) gemm") {
            fmt::print("  (a) rate {:.1f} GFLOP/s\n", gemm.flops() / best(label) / 1e9);
          }
          print_line(label, samples[label], reference, reference_name);
        }
        const double eager = best("(b) eager"), eager_attn = best("(b+attn)");
        if (eager > 0 && best("(c) forward") > 0) {
          fmt::print("  (c)/(b) {:.3f}  (c+logits)/(b) {:.3f}\n", best("(c) forward") / eager,
                     best("(c+logits)") / eager);
        }
        if (eager_attn > 0 && best("(d) capture") > 0) {
          fmt::print("  (d)/(b+attn) {:.3f}\n", best("(d) capture") / eager_attn);
        }
      }
    }
  } catch (const std::exception& error) {
    fmt::print(stderr, "sentlens_bench_forward: {}\n", error.what());
    return 1;
  }
  return 0;
}
