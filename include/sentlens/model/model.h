// Model: a Hugging Face checkpoint loaded into one forward implementation with attention hooks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "sentlens/model/config.h"
#include "sentlens/model/hooks.h"
#include "sentlens/model/kv_cache.h"
#include "sentlens/util/forward_settings.h"

namespace sentlens {

/// Where a model's weights live between forward passes. The forward always computes in float32; a
/// layer's weights are converted to float32 just before it runs (docs/performance.md).
enum class WeightsMode {
  /// kResident when the weights in their stored dtype fit in memory with room for the forward,
  /// else kStream.
  kAuto,
  /// In memory, in the checkpoint's dtype (bf16 weights take half the memory of float32 ones).
  kResident,
  /// The checkpoint stays mapped from disk: each layer is read, converted and released while the
  /// forward runs it, so memory holds about one layer. Every forward re-reads the file (fast from
  /// the page cache); generation, one forward per token, is slow in this mode.
  kStream,
};

/// "auto", "resident", "stream".
const char* weights_mode_name(WeightsMode mode);
/// Parses weights_mode_name's names; throws InputError naming the accepted ones otherwise.
WeightsMode parse_weights_mode(const std::string& name);

/// Options for loading a checkpoint.
struct LoadOptions {
  torch::Device device = torch::kCPU;  // where weights live and the forward runs
  int threads = 0;  // intra-op threads; 0 = all cores (Debian's libtorch starts with 1)
  WeightsMode weights = WeightsMode::kAuto;
};

/// Options of one forward pass: the settings, and what this call computes and hooks.
struct ForwardOptions : ForwardSettings {
  ForwardOptions() = default;
  explicit ForwardOptions(const ForwardSettings& settings) : ForwardSettings(settings) {}

  bool compute_logits = true;     // skip the LM head when nobody needs logits
  bool last_logits_only = false;  // logits of each sequence's last position only (generation):
                                  // [(N,) 1, V] instead of [(N,) T, V]
  bool return_hidden = false;     // also return the final normed hidden states
  std::vector<AttentionObserver*> observers;      // not owned
  std::vector<AttentionEditor*> editors;          // not owned; applied in order
  std::vector<RouterObserver*> router_observers;  // not owned; mixture-of-experts layers only
  std::vector<ResidualHook*> residual_hooks;      // not owned; before each layer and after the last
  KVCache* cache = nullptr;  // when set: continue after its positions and append to it
  bool enable_grad = false;  // record autograd (training); default: inference without gradients
};

/// What a forward pass returns. Shapes follow the ids: [T] ids give [T, V] logits, [N, T] ids
/// give [N, T, V].
struct ForwardResult {
  torch::Tensor logits;  // float32 [(N,) T, V]; undefined when compute_logits is false
  torch::Tensor hidden;  // float32 [(N,) T, D] after the final norm; undefined unless asked
};

struct ModelWeights;  // private layout of the loaded tensors

/// A loaded checkpoint. Weights are kept in their stored dtype (or streamed, see WeightsMode) and
/// computed with in float32. Thread-compatible:
/// concurrent forwards on one Model are safe (the model is not modified by a forward).
class Model {
 public:
  /// Loads config.json and the safetensors weights of `directory`; throws ConfigError or
  /// FormatError naming the file, the tensor and the problem.
  static Model load(const std::filesystem::path& directory, const LoadOptions& options = {});
  /// A Llama-architecture model (no biases, no q/k norm) with freshly initialised weights, for
  /// training: linear and embedding weights ~ N(0, init_std), output projections (o_proj,
  /// down_proj) scaled by 1/sqrt(2·layers), norms 1. Deterministic for a seed on one device.
  static Model create(const ModelConfig& config, std::uint64_t seed,
                      const LoadOptions& options = {}, double init_std = 0.02);

  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  ~Model();

  const ModelConfig& config() const { return config_; }
  const std::filesystem::path& directory() const { return directory_; }
  torch::Device device() const { return device_; }
  /// Number of parameters (tied embeddings counted once).
  std::int64_t parameter_count() const;
  /// Stored dtype(s) of the checkpoint's tensors, e.g. "F32" or "BF16".
  const std::string& stored_dtype() const { return stored_dtype_; }
  /// Where the weights live: kResident or kStream (kAuto is resolved at load).
  WeightsMode weights_mode() const { return weights_mode_; }
  /// Bytes of weights held in memory between forwards (the mapped ones of kStream not counted).
  std::int64_t resident_weight_bytes() const;
  /// Bytes of the largest layer's weights in float32: what a forward materialises at a time.
  std::int64_t layer_float32_bytes() const;

  /// Runs ids ([T] or [N, T], int64) through the model. Throws InputError for ids outside the
  /// vocabulary, empty input, or positions beyond max_position_embeddings (unless allowed).
  ForwardResult forward(const torch::Tensor& ids, const ForwardOptions& options = {}) const;

  /// The weight tensors in the internal (fused q/k/v, gate/up) layout, each once (tied embeddings
  /// once), in a fixed order. They alias the model's weights: set requires_grad and update them
  /// in place (under torch::NoGradGuard) to train.
  std::vector<torch::Tensor> parameters() const;
  /// Writes `directory`/config.json and `directory`/model.safetensors as an ordinary Hugging Face
  /// Llama checkpoint (fused tensors split back into q/k/v_proj and gate/up_proj), stored as
  /// `dtype` (float32 or bfloat16), atomically per file. Llama-layout models only (as create()
  /// makes); throws InputError otherwise.
  void save(const std::filesystem::path& directory, torch::Dtype dtype = torch::kFloat32) const;

 private:
  Model();
  void check_forward_memory(std::int64_t N, std::int64_t past, std::int64_t T,
                            std::int64_t block_rows, const ForwardOptions& options) const;
  ModelConfig config_;
  std::filesystem::path directory_;
  torch::Device device_ = torch::kCPU;
  std::string stored_dtype_;
  WeightsMode weights_mode_ = WeightsMode::kResident;
  std::unique_ptr<ModelWeights> weights_;
};

/// Sets the threads that compute (libtorch's intra-op pool, and OpenBLAS's own pool where the BLAS
/// is OpenBLAS built with pthreads); 0 = the SENTLENS_THREADS environment variable when set, else
/// every core this process may run on. Returns the count in effect. With pthreads OpenBLAS, the
/// GEMMs run on that many threads and libtorch's own operations on the calling thread, unless
/// OMP_WAIT_POLICY=passive is set (two pools of spinning workers on the same cores cost ~50%).
int set_threads(int threads);

/// The threads that run the GEMMs now: OpenBLAS's own pool where the BLAS is pthreads OpenBLAS,
/// else libtorch's intra-op count.
int compute_threads();

/// Cores this process may run on (its CPU affinity), at least 1.
int available_cores();

}  // namespace sentlens
