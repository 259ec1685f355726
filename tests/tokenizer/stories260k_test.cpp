// stories260K ships the same tokenizer twice: tokenizer.json (a sentencepiece-style BPE with
// byte fallback and a regex normalizer) and tokenizer.model. Both must give the same ids.
#include <algorithm>

#include <fmt/format.h>

#include "test_support.h"
#include "tokenizer_test_support.h"

namespace sentlens::testing {
namespace {

TEST(Stories260k, TokenizerJsonMatchesSentencepieceOnTheCorpus) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/tokenizer.json");
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/tokenizer.model");
  const auto dir = shared_dir() / "models/stories260K";
  const auto json = load_tokenizer_json(dir / "tokenizer.json");
  const auto spm = load_sentencepiece_tokenizer(dir / "tokenizer.model");
  EXPECT_EQ(json->kind(), "tokenizer.json");
  EXPECT_EQ(load_tokenizer(dir)->kind(), "tokenizer.json");  // preferred over tokenizer.model
  EXPECT_EQ(json->vocab_size(), spm->vocab_size());
  EXPECT_EQ(json->bos_id(), spm->bos_id());

  // The one designed difference: tokenizer.json splits its added tokens (<unk>, <s>, </s>) out of
  // the text, as transformers does, while sentencepiece reads "<s>" in text as characters.
  const auto has_control_text = [](const std::string& text) {
    return text.find("<s>") != std::string::npos || text.find("</s>") != std::string::npos ||
           text.find("<unk>") != std::string::npos;
  };
  const auto corpus = tokenizer_corpus();
  int matches = 0, compared = 0, control = 0;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const std::string& text = corpus[i];
    if (has_control_text(text)) {
      ++control;
      const auto ids = json->encode(text, EncodeOptions{false}).ids();
      EXPECT_TRUE(std::find(ids.begin(), ids.end(), 0) != ids.end() ||
                  std::find(ids.begin(), ids.end(), 1) != ids.end() ||
                  std::find(ids.begin(), ids.end(), 2) != ids.end())
          << "corpus[" << i << "]: added tokens in the text are not split out";
      continue;
    }
    ++compared;
    const auto got = json->encode(text);
    const auto want = spm->encode(text);
    if (got.ids() == want.ids()) {
      ++matches;
    } else {
      ADD_FAILURE() << "corpus[" << i << "]: tokenizer.json ["
                    << fmt::format("{}", fmt::join(got.ids(), ", ")) << "] vs tokenizer.model ["
                    << fmt::format("{}", fmt::join(want.ids(), ", ")) << "]";
    }
    check_span_order(fmt::format("stories260K corpus[{}]", i), text, got);
  }
  std::printf(
      "[ parity   ] stories260K tokenizer.json vs tokenizer.model: %d/%d identical (%d "
      "strings with <s>/</s>/<unk> in the text compared apart)\n",
      matches, compared, control);
  EXPECT_EQ(matches, compared);
}

}  // namespace
}  // namespace sentlens::testing
