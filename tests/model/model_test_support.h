// Helpers for model tests: tensors from golden files, and checkpoint variants made with the writer.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "sentlens/io/safetensors.h"
#include "sentlens/model/tensor_io.h"
#include "test_support.h"

namespace sentlens::testing {

/// Largest |a - b| over two tensors of the same shape (NaN positions must match).
inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  if (a.sizes() != b.sizes()) return INFINITY;
  auto x = a.to(torch::kFloat64), y = b.to(torch::kFloat64);
  auto nan_x = x.isnan(), nan_y = y.isnan();
  if (!nan_x.equal(nan_y)) return NAN;
  auto diff = (x - y).abs().masked_fill(nan_x, 0);
  return diff.numel() == 0 ? 0.0 : diff.max().item<double>();
}

/// A golden folder's golden.json (an empty object where there is none).
inline nlohmann::json golden_json(const std::filesystem::path& folder) {
  std::ifstream file(folder / "golden.json");
  return file ? nlohmann::json::parse(file) : nlohmann::json::object();
}

/// Absolute tolerances of a golden folder: the READMEs' (logits and hidden 1e-4, attentions 1e-5)
/// or the folder's own `suggested_tolerance` where golden.json gives one.
struct Tolerance {
  double logits = 1e-4, hidden = 1e-4, attentions = 1e-5;
};

inline Tolerance tolerance_of(const nlohmann::json& golden) {
  Tolerance tolerance;
  if (golden.contains("suggested_tolerance")) {
    const auto& suggested = golden["suggested_tolerance"];
    tolerance.logits = suggested.value("logits_abs", tolerance.logits);
    tolerance.hidden = suggested.value("hidden_abs", tolerance.hidden);
    tolerance.attentions = suggested.value("attentions_abs", tolerance.attentions);
  }
  return tolerance;
}

/// A tensor of a golden safetensors file.
inline torch::Tensor golden_tensor(const std::filesystem::path& file, const std::string& name) {
  return read_tensor(*SafetensorsFile::open(file), name);
}

/// Copies config.json and writes every tensor of `source`'s checkpoint, converted by `convert`,
/// as `shards` files (one file: model.safetensors; more: an index and numbered shards).
template <typename Convert>
void write_checkpoint_variant(const std::filesystem::path& source,
                              const std::filesystem::path& target, int shards, Convert convert) {
  std::filesystem::create_directories(target);
  std::filesystem::copy_file(source / "config.json", target / "config.json",
                             std::filesystem::copy_options::overwrite_existing);
  const TensorStore store = TensorStore::open_directory(source);
  const auto names = store.names();
  std::vector<SafetensorsWriter> writers(static_cast<std::size_t>(shards));
  std::string weight_map;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto shard = i % static_cast<std::size_t>(shards);
    add_tensor(writers[shard], names[i], convert(read_tensor(store.file_of(names[i]), names[i])));
    const std::string file =
        shards == 1 ? "model.safetensors"
                    : fmt::format("model-{:05d}-of-{:05d}.safetensors", shard + 1, shards);
    weight_map += fmt::format("{}\"{}\": \"{}\"", weight_map.empty() ? "" : ", ", names[i], file);
  }
  for (int shard = 0; shard < shards; ++shard) {
    const std::string file =
        shards == 1 ? "model.safetensors"
                    : fmt::format("model-{:05d}-of-{:05d}.safetensors", shard + 1, shards);
    writers[static_cast<std::size_t>(shard)].write(target / file);
  }
  if (shards > 1) {
    write_text_file(target / "model.safetensors.index.json",
                    "{\"metadata\": {}, \"weight_map\": {" + weight_map + "}}");
  }
}

}  // namespace sentlens::testing
