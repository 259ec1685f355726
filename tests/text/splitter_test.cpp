// The sentence splitter (metrics.md §1.1) and token alignment (§1.2): reference profile against the
// original code's golden outputs, clean profile against hand-checked spans.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sentlens/error.h"
#include "sentlens/text/alignment.h"
#include "sentlens/text/splitter.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::read_text_file;
using ::sentlens::testing::shared_dir;

/// One token per code point plus a BOS with an empty span: the tokenizer the golden
/// `whitebox_token_bounds_char_bos` were made with.
class CharTokenizer final : public Tokenizer {
 public:
  Encoding encode(std::string_view text, const EncodeOptions& options) const override {
    Encoding encoding;
    if (options.add_special_tokens) encoding.tokens.push_back(Token{1, "<s>", 0, 0, 0, 0, true});
    std::int64_t chars = 0;
    for (std::size_t i = 0; i < text.size();) {
      const auto lead = static_cast<unsigned char>(text[i]);
      const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
      const auto begin = static_cast<std::int64_t>(i);
      encoding.tokens.push_back(Token{lead, std::string(text.substr(i, length)), begin,
                                      begin + static_cast<std::int64_t>(length), chars, chars + 1,
                                      false});
      ++chars;
      i += length;
    }
    return encoding;
  }
  std::string decode(const std::vector<std::int64_t>&) const override { return {}; }
  std::int64_t vocab_size() const override { return 256; }
  std::string id_to_piece(std::int64_t) const override { return {}; }
  std::optional<std::int64_t> bos_id() const override { return 1; }
  std::optional<std::int64_t> eos_id() const override { return std::nullopt; }
  std::string kind() const override { return "chars"; }
  std::string fingerprint() const override { return "chars"; }
};

std::vector<std::pair<std::int64_t, std::int64_t>> char_ranges(const std::vector<Sentence>& s) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (const auto& sentence : s) out.emplace_back(sentence.char_start, sentence.char_end);
  return out;
}

class GoldenSplit : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenSplit, ReferenceProfileMatchesOriginalCode) {
  const std::string base = "golden/thought-anchors/split/" + GetParam();
  SENTLENS_REQUIRE_SHARED_FILE(base + ".json");
  const auto golden = nlohmann::json::parse(read_text_file(shared_dir() / (base + ".json")));
  const std::string text = read_text_file(shared_dir() / (base + ".txt"));
  ASSERT_EQ(text, golden["text"].get<std::string>());

  SplitOptions options;
  options.profile = Profile::kReference;
  const SplitResult result = split_sentences(text, options);
  EXPECT_EQ(result.chunks, golden["chunks"].get<std::vector<std::string>>());
  using Ranges = std::vector<std::pair<std::int64_t, std::int64_t>>;
  EXPECT_EQ(char_ranges(result.chunk_ranges), golden["chunk_char_ranges"].get<Ranges>());
  std::vector<std::string> with_spacing;
  for (const auto& sentence : result.sentences) {
    with_spacing.emplace_back(sentence_text(text, sentence));
  }
  EXPECT_EQ(with_spacing, golden["sentences_w_spacing"].get<std::vector<std::string>>());
  if (golden["whitebox_char_ranges"].is_null()) {
    EXPECT_TRUE(result.sentences.empty());
    return;
  }
  EXPECT_EQ(char_ranges(result.sentences), golden["whitebox_char_ranges"].get<Ranges>());
  const auto bounds = prefix_token_ranges(CharTokenizer(), text, result.sentences);
  Ranges got;
  for (const auto& range : bounds) got.emplace_back(range.start, range.end);
  EXPECT_EQ(got, golden["whitebox_token_bounds_char_bos"].get<Ranges>());
}

INSTANTIATE_TEST_SUITE_P(Split, GoldenSplit,
                         ::testing::Values("split_00", "split_02", "split_04", "split_06",
                                           "split_08", "split_10", "split_12", "split_14",
                                           "split_16", "split_18"));

TEST(Splitter, CleanKeepsTailAndExactSpans) {
  const std::string text = "Yes. No. Maybe. OK. So the answer is 4 after all. Fine. Good. Tail";
  const SplitResult clean = split_sentences(text);
  std::vector<std::string> got;
  for (const auto& sentence : clean.sentences) got.emplace_back(sentence_text(text, sentence));
  // Same merge rule as the reference; no truncation; the unterminated tail is kept (and, being
  // short, merged into the previous chunk).
  EXPECT_EQ(got, (std::vector<std::string>{"Yes. No. Maybe. ", "OK. So the answer is 4 after all. ",
                                           "Fine. Good. Tail"}));
  EXPECT_EQ(clean.chunks.back(), "Fine. Good. Tail");
  SplitOptions reference;
  reference.profile = Profile::kReference;
  EXPECT_EQ(split_sentences(text, reference).chunks.back(), "Fine. Good.");
}

TEST(Splitter, ThinkRegionAndUnicodeOffsets) {
  // "é" is 2 bytes, "→" 3 bytes: char and byte spans must differ accordingly.
  const std::string text =
      "Prompt é here.\n<think>\nFirst café step is here. Then → the next step.\n</think> Answer.";
  const SplitResult clean = split_sentences(text);
  ASSERT_EQ(clean.sentences.size(), 2u);
  EXPECT_EQ(sentence_text(text, clean.sentences[0]), "First café step is here. ");
  EXPECT_EQ(sentence_text(text, clean.sentences[1]), "Then → the next step.");
  EXPECT_EQ(clean.sentences[0].char_start, 23);  // "Prompt é here.\n<think>\n" is 23 chars
  EXPECT_EQ(clean.sentences[0].byte_start, 24);
  EXPECT_EQ(clean.sentences[1].char_end - clean.sentences[1].char_start, 21);
  EXPECT_EQ(clean.sentences[1].byte_end - clean.sentences[1].byte_start, 23);

  SplitOptions whole;
  whole.think_region = false;
  EXPECT_GT(split_sentences(text, whole).sentences.size(), 2u);
}

TEST(Splitter, ParagraphsAndEdgeCases) {
  EXPECT_TRUE(split_sentences("").sentences.empty());
  EXPECT_TRUE(split_sentences("   \n\n  ").sentences.empty());
  // One short chunk stays alone (the merge loop stops at one chunk).
  EXPECT_EQ(split_sentences("Hi.").chunks, std::vector<std::string>{"Hi."});
  // 3.5 does not split, "\n\n" fires on the first newline; a tab after a period counts in the
  // clean profile, not in the reference (the original tests for ' ' and '\n' only).
  const std::string text = "It is 3.5 units long.\tReally it is.\n\nNext paragraph here";
  EXPECT_EQ(
      split_sentences(text).chunks,
      (std::vector<std::string>{"It is 3.5 units long.", "Really it is.", "Next paragraph here"}));
  SplitOptions reference;
  reference.profile = Profile::kReference;
  reference.reference_keep_tail = true;
  EXPECT_EQ(
      split_sentences(text, reference).chunks,
      (std::vector<std::string>{"It is 3.5 units long.\tReally it is.", "Next paragraph here"}));
  EXPECT_EQ(testing::error_of<InputError>([&] { split_sentences(std::string("bad \xff byte")); }),
            "text is not valid UTF-8: bad byte sequence at byte 4");
}

TEST(Splitter, ResultAsJsonHoldsSpansTextsAndChunks) {
  const std::string text = "First step here. Then \xff the second.";
  const SplitResult result = split_sentences("First step here. Then the second.");
  const auto json = nlohmann::json::parse(
      split_result_json("First step here. Then the second.", result, Profile::kClean));
  EXPECT_EQ(json["profile"], "clean");
  ASSERT_EQ(json["sentences"].size(), result.sentences.size());
  ASSERT_EQ(result.sentences.size(), 2u);
  EXPECT_EQ(json["sentences"][1]["char_start"], result.sentences[1].char_start);
  EXPECT_EQ(json["sentences"][1]["byte_end"], result.sentences[1].byte_end);
  EXPECT_EQ(json["sentences"][0]["text"], "First step here. ");
  EXPECT_EQ(json["chunks"], (std::vector<std::string>{"First step here.", "Then the second."}));
  // Spans over bytes that are not UTF-8 (a caller's text) are replaced, never an exception.
  const auto replaced = nlohmann::json::parse(split_result_json(text, result, Profile::kClean));
  EXPECT_NE(replaced["sentences"][1]["text"].get<std::string>().find("\uFFFD"), std::string::npos);
}

TEST(Alignment, OffsetsAssignBoundaryTokensToTheirWord) {
  const std::string text = "Do it now. Next one is";
  const SplitResult split = split_sentences(text);
  ASSERT_EQ(split.sentences.size(), 2u);
  // Tokens like a byte-level BPE would make: BOS, "Do", " it", " now", ".", " Next", " one", " is".
  Encoding encoding;
  encoding.tokens = {
      Token{1, "<s>", 0, 0, 0, 0, true},       Token{2, "Do", 0, 2, 0, 2, false},
      Token{3, " it", 2, 5, 2, 5, false},      Token{4, " now", 5, 9, 5, 9, false},
      Token{5, ".", 9, 10, 9, 10, false},      Token{6, " Next", 10, 15, 10, 15, false},
      Token{7, " one", 15, 19, 15, 19, false}, Token{8, " is", 19, 22, 19, 22, false}};
  const auto map = token_sentence_map(text, encoding, split.sentences);
  EXPECT_EQ(map, (std::vector<std::int64_t>{-1, 0, 0, 0, 0, 1, 1, 1}));
  const auto ranges = token_ranges_from_map(map, 2);
  EXPECT_EQ(ranges[0].start, 1);
  EXPECT_EQ(ranges[0].end, 5);
  EXPECT_EQ(ranges[1].start, 5);
  EXPECT_EQ(ranges[1].end, 8);
  EXPECT_EQ(token_map_from_ranges(ranges, 8), map);
  // The reference rule on the same text counts the prefix "Do it now. " (with its space) as
  // its own tokens; with a character tokenizer the boundary is exact.
  const auto prefix = prefix_token_ranges(CharTokenizer(), text, split.sentences);
  EXPECT_EQ(prefix[0].start, 0);
  EXPECT_EQ(prefix[0].end, 12);
  EXPECT_EQ(prefix[1].start, 12);
}

TEST(Alignment, RangeChecksNameTheProblem) {
  auto message = [](const std::vector<TokenRange>& ranges, std::int64_t tokens) {
    return testing::error_of<InputError>([&] { check_token_ranges(ranges, tokens, "boundaries"); });
  };
  EXPECT_EQ(message({}, 5), "boundaries: zero sentences");
  EXPECT_EQ(message({{0, 3}, {3, 6}}, 5),
            "boundaries: sentence 1 has tokens [3, 6) out of range for 5 tokens");
  EXPECT_EQ(message({{2, 1}}, 5), "boundaries: sentence 0 has start 2 > end 1");
  EXPECT_EQ(message({{3, 4}, {1, 2}}, 5),
            "boundaries: sentences are unsorted: sentence 1 starts at token 1 before sentence 0 "
            "at 3");
  EXPECT_EQ(message({{0, 3}, {2, 4}}, 5), "boundaries: sentences 0 [0, 3) and 1 [2, 4) overlap");
  EXPECT_NO_THROW(check_token_ranges({{0, 3}, {3, 3}, {3, 5}}, 5, "boundaries"));  // empty is fine
  testing::expect_error<InputError>([&] { (void)(token_ranges_from_map({0, 1, 0}, 2)); });
}

}  // namespace
}  // namespace sentlens
