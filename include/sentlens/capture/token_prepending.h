// Sentence embeddings from a decoder model with Token Prepending (Fu et al., ACL 2025; metrics.md
// §6): the sentence goes into the PromptEOL template `This sentence : <PST> "{sentence}" means in
// one word:"`; before each layer in [prepend_from_layer, prepend_until_layer) the hidden state of
// the last position is copied into the <PST> position, so that the sentence's tokens can attend to
// a summary of the whole sentence; the embedding is the last position's state at `output_layer`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sentlens/io/sentence_embeddings.h"
#include "sentlens/model/model.h"
#include "sentlens/tokenizer/tokenizer.h"

namespace sentlens {

struct TokenPrependingOptions {
  std::int64_t prepend_from_layer = 1;   // the paper's tp_starting_index
  std::int64_t prepend_until_layer = 3;  // tp_exiting_index (exclusive; Llama-3-8B's setting)
  /// Hugging Face's hidden_states index: k >= 0 is the input of layer k (0 = embeddings, L = after
  /// the final norm); negative counts from L + 1, so -2 (the paper's "early exit") is the output
  /// of the second-to-last layer.
  std::int64_t output_layer = -2;
  /// The <PST> token is new to the vocabulary: its input embedding is drawn from N(0, 1) (as the
  /// paper's torch.randn) with this seed.
  std::uint64_t seed = 0;
};

/// The template's sentence after the paper's preprocessing: double quotes become single ones, a
/// trailing "?" becomes ".", and "." is appended unless the sentence ends in . ? " or '.
std::string token_prepending_sentence(const std::string& sentence);

class TokenPrependingEmbedder {
 public:
  /// Throws InputError for layer indices outside the model.
  TokenPrependingEmbedder(const Model& model, const Tokenizer& tokenizer,
                          TokenPrependingOptions options = {});

  /// The embedding of one sentence, float32 [D].
  std::vector<float> embed(const std::string& sentence) const;

  /// Embeddings of every distinct sentence; `source` names them in messages and outputs.
  SentenceEmbeddings embed_all(const std::vector<std::string>& sentences,
                               const std::string& source) const;

 private:
  const Model& model_;
  const Tokenizer& tokenizer_;
  TokenPrependingOptions options_;
  std::int64_t capture_layer_ = 0;  // layer_input index whose state is the embedding
  std::vector<float> pst_embedding_;
};

}  // namespace sentlens
