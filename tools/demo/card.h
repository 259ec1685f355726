// The demo model's card: README.md with the recipe and numbers, and the loss curve as SVG.
#pragma once

#include <filesystem>

namespace sentlens::demo {

/// Writes `model_dir`/loss.svg from `data_dir`/training_log.csv and `model_dir`/README.md from
/// `data_dir`/training.json and `data_dir`/evaluation.json (whichever exist).
void write_card(const std::filesystem::path& model_dir, const std::filesystem::path& data_dir);

}  // namespace sentlens::demo
