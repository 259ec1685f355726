// Sentence embeddings computed by a checkpoint (Token Prepending), loaded when first needed: the
// `--model` alternative to an embeddings file for `sentlens importance`.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sentlens/capture/token_prepending.h"
#include "sentlens/model/model.h"
#include "sentlens/model/model_source.h"

namespace sentlens {

struct ModelEmbeddingsOptions {
  ModelSource model;  // checkpoint folder, tokenizer, device, threads, weights mode
  TokenPrependingOptions token_prepending;
  /// Centre the embeddings on their mean (SentenceEmbeddings::centred) before any cosine: a
  /// decoder's Token Prepending states are anisotropic, and uncentred the bundled demo model puts
  /// every pair of sentences above the 0.8 threshold, so no resampled sentence is "different".
  bool centre = true;
  std::function<void(const std::string&)> on_progress;
};

/// A function that loads the checkpoint and embeds the sentences it is given; the embeddings'
/// source reads "<model dir> (Token Prepending, layers [a, b), output layer k)", followed by
/// " centred on N sentences" when `centre` is set.
std::function<SentenceEmbeddings(const std::vector<std::string>&)> model_sentence_embedder(
    const ModelEmbeddingsOptions& options);

}  // namespace sentlens
