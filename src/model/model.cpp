// Model loading: config.json + safetensors -> the internal weight layout.
#include "sentlens/model/model.h"

#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <torch/torch.h>

#include "model/weights.h"
#include "util/check.h"
#include "util/log.h"

namespace sentlens {

int set_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(threads);
  return torch::get_num_threads();
}

Model::Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

Model Model::load(const std::filesystem::path& directory, const LoadOptions& options) {
  SENTLENS_CHECK(std::filesystem::is_directory(directory), IoError,
                 "{}: not a model folder (expected config.json and safetensors weights)",
                 directory.string());
  set_threads(options.threads);
  Model model;
  model.directory_ = directory;
  model.device_ = options.device;
  model.config_ = ModelConfig::from_file(directory / "config.json");
#if defined(__GLIBC__)
  // glibc serves allocations below a moving threshold (up to 32 MiB) from its heap, where freed
  // blocks stay resident; a forward's per-layer temporaries of 1-32 MiB then pile up as free but
  // resident heap (8192 tokens through a 0.5B model: 0.64 GiB of peak). With a fixed 1 MiB
  // threshold every large tensor gets its own mapping, returned to the system when freed.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
  const TensorStore store = TensorStore::open_directory(directory);
  model.weights_ =
      std::make_unique<ModelWeights>(load_weights(store, model.config_, options.device));
  model.stored_dtype_ = model.weights_->stored_dtypes;
#if defined(__GLIBC__)
  // Converting and fusing the tensors (bf16 -> float32, q/k/v and gate/up concatenated) leaves
  // freed small temporaries in glibc's heap: hand them back before the first forward.
  malloc_trim(0);
#endif
  logger().info("loaded {} ({}, {} layers, {} parameters, stored {})", directory.string(),
                model.config_.model_type, model.config_.num_layers, model.weights_->parameter_count,
                model.stored_dtype_);
  return model;
}

std::int64_t Model::parameter_count() const {
  return weights_->parameter_count;
}

}  // namespace sentlens
