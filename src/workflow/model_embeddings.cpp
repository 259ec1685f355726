#include "sentlens/workflow/model_embeddings.h"

#include <fmt/format.h>

#include "sentlens/tokenizer/tokenizer.h"

namespace sentlens {

std::function<SentenceEmbeddings(const std::vector<std::string>&)> model_sentence_embedder(
    const ModelEmbeddingsOptions& options) {
  return [options](const std::vector<std::string>& sentences) {
    if (options.on_progress) options.on_progress("loading " + options.model.dir.string());
    const Model model = options.model.load_model();
    const std::unique_ptr<Tokenizer> tokenizer = options.model.load_tokenizer();
    const TokenPrependingEmbedder embedder(model, *tokenizer, options.token_prepending);
    if (options.on_progress) {
      options.on_progress(fmt::format("embedding {} sentences", sentences.size()));
    }
    const TokenPrependingOptions& tp = options.token_prepending;
    SentenceEmbeddings embeddings = embedder.embed_all(
        sentences, fmt::format("{} (Token Prepending, layers [{}, {}), output layer {})",
                               options.model.dir.string(), tp.prepend_from_layer,
                               tp.prepend_until_layer, tp.output_layer));
    return options.centre ? embeddings.centred() : embeddings;
  };
}

}  // namespace sentlens
