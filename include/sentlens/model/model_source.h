// Where a job's model comes from: the checkpoint folder, a tokenizer given apart, and how the
// weights are loaded. Every job that loads a model nests one (`job.model`) and loads through it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "sentlens/model/model.h"
#include "sentlens/tokenizer/tokenizer.h"

namespace sentlens {

struct ModelSource {
  std::filesystem::path dir;        // checkpoint folder (config.json + safetensors)
  std::filesystem::path tokenizer;  // tokenizer file or folder; empty = the checkpoint's own
  std::string device = "cpu";       // torch device string: "cpu", "cuda", "cuda:1"
  int threads = 0;                  // intra-op threads; 0 = all cores
  WeightsMode weights = WeightsMode::kAuto;  // resident, streamed or chosen by memory

  /// The tokenizer file or folder to read: `tokenizer`, or the checkpoint folder.
  const std::filesystem::path& tokenizer_path() const {
    return tokenizer.empty() ? dir : tokenizer;
  }
  /// `device` parsed (InputError naming it when it is not a device), threads and weights.
  LoadOptions load_options() const;
  /// Model::load(dir, load_options()).
  Model load_model() const;
  /// load_tokenizer(tokenizer_path()).
  std::unique_ptr<Tokenizer> load_tokenizer() const;
};

}  // namespace sentlens
