// Token Prepending sentence embeddings through a residual hook on the forward pass.
#include "sentlens/capture/token_prepending.h"

#include <random>
#include <unordered_map>

#include <torch/torch.h>

#include "util/check.h"

namespace sentlens {
namespace {

// Before each layer: writes the <PST> state (its embedding at layer 0, the last position's state
// in the prepending layers) and captures the last position's state at the output layer.
class TokenPrependingHook final : public ResidualHook {
 public:
  TokenPrependingHook(std::int64_t pst_position, const torch::Tensor& pst_embedding,
                      const TokenPrependingOptions& options, std::int64_t capture_layer)
      : pst_position_(pst_position),
        pst_embedding_(pst_embedding),
        options_(options),
        capture_layer_(capture_layer) {}

  void layer_input(std::int64_t layer, std::int64_t /*past_length*/,
                   torch::Tensor& hidden) override {
    const std::int64_t last = hidden.size(1) - 1;
    if (layer == 0) hidden.select(1, pst_position_).copy_(pst_embedding_.to(hidden.device()));
    if (layer >= options_.prepend_from_layer && layer < options_.prepend_until_layer) {
      hidden.select(1, pst_position_).copy_(hidden.select(1, last));
    }
    if (layer == capture_layer_) captured = hidden.select(1, last)[0].to(torch::kCPU).clone();
  }

  torch::Tensor captured;

 private:
  std::int64_t pst_position_;
  const torch::Tensor& pst_embedding_;
  const TokenPrependingOptions& options_;
  std::int64_t capture_layer_;
};

}  // namespace

std::string token_prepending_sentence(const std::string& sentence) {
  std::string text;
  for (char c : sentence) text += c == '"' ? '\'' : c;
  if (!text.empty() && text.back() == '?') text.back() = '.';
  if (text.empty() ||
      (text.back() != '.' && text.back() != '?' && text.back() != '"' && text.back() != '\'')) {
    text += '.';
  }
  return text;
}

TokenPrependingEmbedder::TokenPrependingEmbedder(const Model& model, const Tokenizer& tokenizer,
                                                 TokenPrependingOptions options)
    : model_(model), tokenizer_(tokenizer), options_(options) {
  const std::int64_t layers = model.config().num_layers;
  capture_layer_ =
      options.output_layer >= 0 ? options.output_layer : layers + 1 + options.output_layer;
  SENTLENS_CHECK(capture_layer_ >= 0 && capture_layer_ <= layers, InputError,
                 "Token Prepending: output layer {} is outside the model's hidden states "
                 "(-{} .. {})",
                 options.output_layer, layers + 1, layers);
  SENTLENS_CHECK(options.prepend_from_layer >= 0 &&
                     options.prepend_from_layer <= options.prepend_until_layer &&
                     options.prepend_until_layer <= layers,
                 InputError, "Token Prepending: layers [{}, {}) are not within the model's {}",
                 options.prepend_from_layer, options.prepend_until_layer, layers);
  std::mt19937_64 generator(options.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  pst_embedding_.resize(static_cast<std::size_t>(model.config().hidden_size));
  for (float& value : pst_embedding_) value = normal(generator);
}

std::vector<float> TokenPrependingEmbedder::embed(const std::string& sentence) const {
  // The template around the <PST> slot; the slot's id is a placeholder whose input embedding the
  // hook replaces.
  std::vector<std::int64_t> ids = tokenizer_.encode("This sentence :", EncodeOptions{true}).ids();
  const auto pst_position = static_cast<std::int64_t>(ids.size());
  ids.push_back(0);
  const auto rest =
      tokenizer_
          .encode(" \"" + token_prepending_sentence(sentence) + "\" means in one word:\"",
                  EncodeOptions{false})
          .ids();
  ids.insert(ids.end(), rest.begin(), rest.end());
  const torch::Tensor pst =
      torch::from_blob(const_cast<float*>(pst_embedding_.data()),
                       {static_cast<std::int64_t>(pst_embedding_.size())}, torch::kFloat32);
  TokenPrependingHook hook(pst_position, pst, options_, capture_layer_);
  ForwardOptions forward;
  forward.residual_hooks = {&hook};
  const bool final_norm = capture_layer_ == model_.config().num_layers;
  forward.compute_logits = false;
  forward.return_hidden = final_norm;
  const ForwardResult result = model_.forward(torch::tensor(ids, torch::kInt64), forward);
  const torch::Tensor state =
      (final_norm ? result.hidden[-1].to(torch::kCPU) : hook.captured).contiguous();
  return std::vector<float>(state.data_ptr<float>(), state.data_ptr<float>() + state.numel());
}

SentenceEmbeddings TokenPrependingEmbedder::embed_all(const std::vector<std::string>& sentences,
                                                      const std::string& source) const {
  std::unordered_map<std::string, std::vector<float>> vectors;
  for (const std::string& sentence : sentences) {
    if (vectors.count(sentence) == 0) vectors.emplace(sentence, embed(sentence));
  }
  return SentenceEmbeddings(source, model_.config().hidden_size, std::move(vectors));
}

}  // namespace sentlens
