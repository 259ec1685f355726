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

namespace sentlens {

/// Options for loading a checkpoint.
struct LoadOptions {
  torch::Device device = torch::kCPU;  // where weights live and the forward runs
  int threads = 0;  // intra-op threads; 0 = all cores (Debian's libtorch starts with 1)
};

/// Options of one forward pass.
struct ForwardOptions {
  std::int64_t block_size =
      256;                     // query rows per attention block (our choice: bounds the
                               // [heads, block, keys] working set; any value gives equal results)
  bool compute_logits = true;  // skip the LM head when nobody needs logits
  bool return_hidden = false;  // also return the final normed hidden states
  bool allow_longer = false;   // allow positions beyond max_position_embeddings
  std::vector<AttentionObserver*> observers;  // not owned
  std::vector<AttentionEditor*> editors;      // not owned; applied in order
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

/// A loaded checkpoint. Weights are kept in float32 whatever the stored dtype. Thread-compatible:
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
  ModelConfig config_;
  std::filesystem::path directory_;
  torch::Device device_ = torch::kCPU;
  std::string stored_dtype_;
  std::unique_ptr<ModelWeights> weights_;
};

/// Sets libtorch's intra-op thread count; 0 = all cores. Returns the count in effect.
int set_threads(int threads);

}  // namespace sentlens
