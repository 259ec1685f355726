// Token Prepending sentence embeddings on the bundled demo model: the template's preprocessing,
// the residual hook's effect, determinism and bad layer settings.
#include "sentlens/capture/token_prepending.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>

#include "sentlens/error.h"

namespace sentlens {
namespace {

struct Demo {
  Model model = Model::load(std::filesystem::path(SENTLENS_SOURCE_DIR) / "models/demo");
  std::unique_ptr<Tokenizer> tokenizer =
      load_tokenizer(std::filesystem::path(SENTLENS_SOURCE_DIR) / "models/demo");
};

const Demo& demo() {
  static const Demo instance;
  return instance;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / std::sqrt(na * nb);
}

TEST(TokenPrepending, SentencePreprocessingFollowsThePaper) {
  EXPECT_EQ(token_prepending_sentence("He said \"hi\""), "He said 'hi'");
  EXPECT_EQ(token_prepending_sentence("Is it 5?"), "Is it 5.");
  EXPECT_EQ(token_prepending_sentence("No period"), "No period.");
  EXPECT_EQ(token_prepending_sentence("Done."), "Done.");
  EXPECT_EQ(token_prepending_sentence(""), ".");
}

TEST(TokenPrepending, EmbeddingsAreDeterministicAndTellSentencesApart) {
  TokenPrependingOptions options;
  options.prepend_until_layer = 2;
  const TokenPrependingEmbedder embedder(demo().model, *demo().tokenizer, options);
  const auto a = embedder.embed("After buying, 3 + 5 = 8.");
  ASSERT_EQ(static_cast<std::int64_t>(a.size()), demo().model.config().hidden_size);
  EXPECT_EQ(a, embedder.embed("After buying, 3 + 5 = 8."));
  const auto b = embedder.embed("After giving, 8 - 2 = 6.");
  const auto c = embedder.embed("Wait, let me check 3 + 5 = 8.");
  EXPECT_NE(a, b);
  EXPECT_LT(cosine(a, b), 0.9999);
  EXPECT_LT(cosine(a, c), 0.9999);

  const SentenceEmbeddings all = embedder.embed_all(
      {"After buying, 3 + 5 = 8.", "After giving, 8 - 2 = 6.", "After buying, 3 + 5 = 8."}, "demo");
  EXPECT_EQ(all.size(), 2u);
  EXPECT_EQ(all.at("After buying, 3 + 5 = 8.", "test"), a);
}

TEST(TokenPrepending, ThePrependingLayersChangeTheEmbedding) {
  TokenPrependingOptions without;
  without.prepend_until_layer = 1;  // [1, 1): the <PST> keeps its random embedding throughout
  TokenPrependingOptions with = without;
  with.prepend_until_layer = 3;
  const std::string sentence = "Tom starts with 3 apples.";
  const auto plain =
      TokenPrependingEmbedder(demo().model, *demo().tokenizer, without).embed(sentence);
  const auto prepended =
      TokenPrependingEmbedder(demo().model, *demo().tokenizer, with).embed(sentence);
  EXPECT_NE(plain, prepended);
  // The final-norm output (index L) is available too.
  TokenPrependingOptions last = with;
  last.output_layer = 4;
  EXPECT_EQ(TokenPrependingEmbedder(demo().model, *demo().tokenizer, last).embed(sentence).size(),
            prepended.size());
}

TEST(TokenPrepending, LayersOutsideTheModelAreRefused) {
  TokenPrependingOptions options;
  options.output_layer = 9;
  testing::expect_error<InputError>(
      [&] { (void)(TokenPrependingEmbedder(demo().model, *demo().tokenizer, options)); });
  options = {};
  options.prepend_until_layer = 7;
  testing::expect_error<InputError>(
      [&] { (void)(TokenPrependingEmbedder(demo().model, *demo().tokenizer, options)); });
}

}  // namespace
}  // namespace sentlens
