// The sentencepiece backend on stories260K's tokenizer.model: ids, spans, BOS, decoding, errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sentlens/error.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "test_support.h"
#include "tokenizer_test_support.h"

namespace sentlens {
namespace {

using testing::shared_dir;

class SentencePieceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/tokenizer.model");
    tokenizer_ = load_sentencepiece_tokenizer(shared_dir() / "models/stories260K/tokenizer.model");
  }
  std::unique_ptr<Tokenizer> tokenizer_;
};

TEST_F(SentencePieceTest, MatchesTheGoldenIdsWithBos) {
  // ids from golden/stories260K/greedy.json's prompt_ids.
  EXPECT_EQ(tokenizer_->encode("Once upon a time").ids(),
            (std::vector<std::int64_t>{1, 403, 407, 261, 378}));
  EXPECT_EQ(tokenizer_->encode("The cat").ids(), (std::vector<std::int64_t>{1, 291, 280, 294}));
  EXPECT_EQ(tokenizer_->encode("The cat", EncodeOptions{false}).ids(),
            (std::vector<std::int64_t>{291, 280, 294}));
  EXPECT_EQ(tokenizer_->bos_id(), 1);
  EXPECT_EQ(tokenizer_->eos_id(), 2);
  EXPECT_EQ(tokenizer_->vocab_size(), 512);
  EXPECT_EQ(tokenizer_->kind(), "sentencepiece");
  EXPECT_EQ(tokenizer_->fingerprint().size(), 16u);
}

TEST_F(SentencePieceTest, SpansCoverTheOriginalText) {
  const std::string text = "Once upon a time, Pip.";
  const auto encoding = tokenizer_->encode(text);
  ASSERT_GE(encoding.size(), 2u);
  EXPECT_TRUE(encoding.tokens[0].special);
  EXPECT_EQ(encoding.tokens[0].byte_start, encoding.tokens[0].byte_end);
  std::int64_t covered = 0;
  for (std::size_t i = 1; i < encoding.size(); ++i) {
    const Token& token = encoding.tokens[i];
    EXPECT_EQ(token.byte_start, covered) << "spans are contiguous: " << token.piece;
    covered = token.byte_end;
  }
  EXPECT_EQ(covered, static_cast<std::int64_t>(text.size()));
  // "▁upon" covers " upon" (the space it absorbed) in the original text.
  const Token& upon = encoding.tokens[2];
  EXPECT_EQ(upon.piece, "\xE2\x96\x81upon");
  EXPECT_EQ(text.substr(upon.byte_start, upon.byte_end - upon.byte_start), " upon");
}

TEST_F(SentencePieceTest, ByteFallbackPiecesShareTheirCharactersSpan) {
  const std::string text = "a \xE7\x8C\xAB b";  // "a 猫 b": 猫 is not in the 512-piece vocabulary
  const auto encoding = tokenizer_->encode(text, EncodeOptions{false});
  std::vector<const Token*> bytes;
  for (const auto& token : encoding.tokens) {
    if (token.piece.rfind("<0x", 0) == 0) bytes.push_back(&token);
  }
  ASSERT_EQ(bytes.size(), 3u);
  for (const Token* token : bytes) {
    EXPECT_EQ(token->byte_start, 2);
    EXPECT_EQ(token->byte_end, 5);
    EXPECT_EQ(token->char_start, 2);
    EXPECT_EQ(token->char_end, 3);
  }
}

TEST_F(SentencePieceTest, ByteRunsOfSeveralCharactersSplitPerCharacter) {
  const std::string text = "\xE7\x8C\xAB\xE7\x8A\xAC";  // "猫犬": two characters, six bytes
  const auto encoding = tokenizer_->encode(text, EncodeOptions{false});
  std::vector<std::pair<std::int64_t, std::int64_t>> char_spans;
  for (const auto& token : encoding.tokens) {
    if (token.piece.rfind("<0x", 0) == 0) char_spans.emplace_back(token.char_start, token.char_end);
  }
  using Span = std::pair<std::int64_t, std::int64_t>;
  EXPECT_EQ(char_spans, (std::vector<Span>{{0, 1}, {0, 1}, {0, 1}, {1, 2}, {1, 2}, {1, 2}}));
}

TEST_F(SentencePieceTest, CodePointSpansCountCharactersNotBytes) {
  const std::string text = "\xC3\xA9t\xC3\xA9 cat";  // "été cat"
  const auto encoding = tokenizer_->encode(text, EncodeOptions{false});
  const Token& last = encoding.tokens.back();
  EXPECT_EQ(last.byte_end, static_cast<std::int64_t>(text.size()));
  EXPECT_EQ(last.char_end, 7);
}

TEST_F(SentencePieceTest, DecodesBackToText) {
  const std::string text = "Once upon a time, there was a little girl.";
  EXPECT_EQ(tokenizer_->decode(tokenizer_->encode(text).ids()), text);
}

TEST_F(SentencePieceTest, RejectsInvalidUtf8AndOutOfRangeIds) {
  EXPECT_EQ(testing::error_of<InputError>([&] { tokenizer_->encode("ok \xFF bad"); }),
            "text is not valid UTF-8 (invalid byte at offset 3)");
  EXPECT_THAT(testing::error_of<InputError>([&] {
                tokenizer_->decode({1, 600});
              }),
              ::testing::HasSubstr("token id 600 is outside the vocabulary of 512"));
}

TEST_F(SentencePieceTest, TextOverTheEncodeLimitIsRefusedBeforeReadingIt) {
  testing::UntouchableText text(kMaxEncodeBytes + 1);  // reading any byte of it would crash
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(testing::error_of<LimitError>([&] { tokenizer_->encode(text.view()); }),
            "text of 268435457 bytes is too long to tokenize at once (at most "
            "268435456 bytes)");
}

TEST(SentencePieceLoading, NotAModelFileIsAFormatError) {
  testing::TempDir dir;
  testing::write_text_file(dir / "tokenizer.model", "this is not a protobuf");
  EXPECT_THAT(testing::error_of<FormatError>(
                  [&] { load_sentencepiece_tokenizer(dir / "tokenizer.model"); }),
              ::testing::HasSubstr("tokenizer.model: not a sentencepiece model"));
}

}  // namespace
}  // namespace sentlens
