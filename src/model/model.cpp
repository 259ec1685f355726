// Model loading: config.json + safetensors -> the internal weight layout.
#include "sentlens/model/model.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <torch/torch.h>

#include "model/weights.h"
#include "sentlens/util/memory.h"
#include "util/check.h"
#include "util/log.h"

namespace sentlens {

const char* weights_mode_name(WeightsMode mode) {
  switch (mode) {
    case WeightsMode::kAuto:
      return "auto";
    case WeightsMode::kResident:
      return "resident";
    case WeightsMode::kStream:
      return "stream";
  }
  return "auto";
}

WeightsMode parse_weights_mode(const std::string& name) {
  for (auto mode : {WeightsMode::kAuto, WeightsMode::kResident, WeightsMode::kStream}) {
    if (name == weights_mode_name(mode)) return mode;
  }
  throw InputError(
      fmt::format("unknown weights mode \"{}\" (expected auto, resident or stream)", name));
}

namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;

// kAuto: resident while the stored weights take at most 60% of physical memory (the rest is the
// forward's: 4,096 tokens through a 1.5B model need ~1 GiB, suppression batches several times
// that), else streamed. Resident weights that cannot fit at all are refused before loading.
WeightsMode resolve_weights_mode(WeightsMode requested, const TensorStore& store,
                                 torch::Device device) {
  if (!device.is_cpu())
    return requested == WeightsMode::kStream ? requested : WeightsMode::kResident;
  const double bytes = static_cast<double>(stored_weight_bytes(store));
  const double physical = static_cast<double>(physical_memory_bytes());
  if (requested == WeightsMode::kAuto) {
    const bool fits = physical <= 0 || bytes <= 0.6 * physical;
    const auto mode = fits ? WeightsMode::kResident : WeightsMode::kStream;
    logger().info("{}: {} of weights, {} of memory: weights {}", store.origin().string(),
                  human_bytes(bytes), human_bytes(physical), weights_mode_name(mode));
    return mode;
  }
  if (requested == WeightsMode::kResident && physical > 0 && bytes > 0.9 * physical) {
    throw LimitError(fmt::format(
        "{}: its weights need {} in memory, more than 90% of the {} of this machine; stream them "
        "from disk instead (weights mode \"stream\")",
        store.origin().string(), human_bytes(bytes), human_bytes(physical)));
  }
  return requested;
}

}  // namespace

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
  const TensorStore store = TensorStore::open_directory(directory);
  model.weights_mode_ = resolve_weights_mode(options.weights, store, options.device);
  model.weights_ = std::make_unique<ModelWeights>(load_weights(
      store, model.config_, options.device, model.weights_mode_ == WeightsMode::kStream));
  model.stored_dtype_ = model.weights_->stored_dtypes;
#if defined(__GLIBC__)
  // Converting and fusing the tensors (bf16 -> float32, q/k/v and gate/up concatenated) leaves
  // freed small temporaries in glibc's heap: hand them back before the first forward.
  malloc_trim(0);
#endif
  logger().info(
      "loaded {} ({}, {} layers, {} parameters, stored {}, weights {}: {:.2f} GiB in memory)",
      directory.string(), model.config_.model_type, model.config_.num_layers,
      model.weights_->parameter_count, model.stored_dtype_, weights_mode_name(model.weights_mode_),
      static_cast<double>(model.weights_->resident_bytes) / kGiB);
  return model;
}

std::int64_t Model::parameter_count() const {
  return weights_->parameter_count;
}

std::int64_t Model::resident_weight_bytes() const {
  return weights_->resident_bytes;
}

std::int64_t Model::layer_float32_bytes() const {
  return weights_->layer_float32_bytes;
}

}  // namespace sentlens
