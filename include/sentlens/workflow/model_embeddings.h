// Sentence embeddings computed by a checkpoint (Token Prepending), loaded when first needed: the
// `--model` alternative to an embeddings file for `sentlens importance`.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sentlens/capture/token_prepending.h"
#include "sentlens/model/model.h"

namespace sentlens {

struct ModelEmbeddingsOptions {
  std::filesystem::path model_dir;
  std::filesystem::path tokenizer;  // empty = the checkpoint's
  TokenPrependingOptions token_prepending;
  int threads = 0;
  WeightsMode weights = WeightsMode::kAuto;
  std::string device = "cpu";
  std::function<void(const std::string&)> on_progress;
};

/// A function that loads the checkpoint and embeds the sentences it is given; the embeddings'
/// source reads "<model dir> (Token Prepending, layers [a, b), output layer k)".
std::function<SentenceEmbeddings(const std::vector<std::string>&)> model_sentence_embedder(
    const ModelEmbeddingsOptions& options);

}  // namespace sentlens
