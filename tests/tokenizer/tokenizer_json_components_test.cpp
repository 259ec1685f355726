// The components of the tokenizer.json backend on small hand-made tokenizers: merge layouts, byte
// fallback, unknown tokens, subword affixes, added-token flags, split behaviours, Metaspace,
// Digits, templates, decoders, normalization offsets and the Oniguruma translation.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "test_support.h"
#include "tokenizer/pcre_regex.h"
#include "tokenizer_test_support.h"

namespace sentlens::testing {
namespace {

using nlohmann::json;

// A tokenizer.json with vocabulary `vocab`, no merges and no components; tests fill in the rest.
json base_tokenizer(const json& vocab) {
  return json{{"version", "1.0"},
              {"added_tokens", json::array()},
              {"normalizer", nullptr},
              {"pre_tokenizer", nullptr},
              {"post_processor", nullptr},
              {"decoder", nullptr},
              {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}}}};
}

json vocab_of(const std::vector<std::string>& tokens) {
  json vocab = json::object();
  for (std::size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = i;
  return vocab;
}

std::unique_ptr<Tokenizer> load(const TempDir& dir, const json& tokenizer,
                                const json& config = json()) {
  write_text_file(dir / "tokenizer.json", tokenizer.dump());
  if (!config.is_null()) write_text_file(dir / "tokenizer_config.json", config.dump());
  return load_tokenizer_json(dir / "tokenizer.json");
}

std::vector<std::string> pieces(const Encoding& encoding) {
  std::vector<std::string> out;
  for (const auto& token : encoding.tokens) out.push_back(token.piece);
  return out;
}

std::vector<std::pair<std::int64_t, std::int64_t>> byte_spans(const Encoding& encoding) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (const auto& token : encoding.tokens) out.emplace_back(token.byte_start, token.byte_end);
  return out;
}

using Spans = std::vector<std::pair<std::int64_t, std::int64_t>>;
using Pieces = std::vector<std::string>;

TEST(TokenizerJsonModel, BothMergeLayoutsGiveTheSameTokens) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"a", "b", "c", "ab", "abc", "bc"}));
  config["model"]["merges"] = {"a b", "ab c"};
  const auto spaced = load(dir, config)->encode("abcab", {false});
  config["model"]["merges"] = json::array({json::array({"a", "b"}), json::array({"ab", "c"})});
  const auto listed = load(dir, config)->encode("abcab", {false});
  EXPECT_EQ(pieces(spaced), (Pieces{"abc", "ab"}));
  EXPECT_EQ(listed.ids(), spaced.ids());
  EXPECT_EQ(byte_spans(spaced), (Spans{{0, 3}, {3, 5}}));
}

TEST(TokenizerJsonModel, LowerRankMergesFirstAndTiesGoLeft) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"a", "b", "ab", "ba", "aba"}));
  config["model"]["merges"] = {"b a", "a b", "ab a"};
  // "aba": "b a" (rank 0) wins over "a b" (rank 1) -> a + ba; no merge "a ba".
  EXPECT_EQ(pieces(load(dir, config)->encode("aba", {false})), (Pieces{"a", "ba"}));
  config["model"]["merges"] = {"a b", "ab a"};
  // "abab": both "a b" pairs have rank 0; the left one merges first.
  EXPECT_EQ(pieces(load(dir, config)->encode("ababa", {false})), (Pieces{"ab", "aba"}));
}

TEST(TokenizerJsonModel, ByteFallbackTokensShareTheirCharactersSpan) {
  TempDir dir;
  std::vector<std::string> tokens = {"<unk>", "a"};
  for (int b = 0; b < 256; ++b) tokens.push_back(fmt::format("<0x{:02X}>", b));
  auto config = base_tokenizer(vocab_of(tokens));
  config["model"]["byte_fallback"] = true;
  config["model"]["unk_token"] = "<unk>";
  const auto encoding = load(dir, config)->encode("a\u00e9a", {false});
  EXPECT_EQ(pieces(encoding), (Pieces{"a", "<0xC3>", "<0xA9>", "a"}));
  EXPECT_EQ(byte_spans(encoding), (Spans{{0, 1}, {1, 3}, {1, 3}, {3, 4}}));
  EXPECT_EQ(encoding.tokens[1].char_start, 1);
  EXPECT_EQ(encoding.tokens[2].char_end, 2);
}

TEST(TokenizerJsonModel, UnknownCharactersBecomeTheUnknownTokenFusedWhenAsked) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"<unk>", "a"}));
  config["model"]["unk_token"] = "<unk>";
  EXPECT_EQ(pieces(load(dir, config)->encode("axyza", {false})),
            (Pieces{"a", "<unk>", "<unk>", "<unk>", "a"}));
  config["model"]["fuse_unk"] = true;
  const auto fused = load(dir, config)->encode("axyza", {false});
  EXPECT_EQ(pieces(fused), (Pieces{"a", "<unk>", "a"}));
  EXPECT_EQ(byte_spans(fused), (Spans{{0, 1}, {1, 4}, {4, 5}}));
}

TEST(TokenizerJsonModel, IgnoreMergesTakesWholeVocabularyWords) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"a", "b", "c", "ab", "abc"}));
  config["model"]["merges"] = {"a b"};
  EXPECT_EQ(pieces(load(dir, config)->encode("abc", {false})), (Pieces{"ab", "c"}));
  config["model"]["ignore_merges"] = true;
  EXPECT_EQ(pieces(load(dir, config)->encode("abc", {false})), (Pieces{"abc"}));
}

TEST(TokenizerJsonModel, ContinuingSubwordPrefixAndEndOfWordSuffix) {
  TempDir dir;
  auto prefixed = base_tokenizer(vocab_of({"a", "##b", "ab"}));
  prefixed["model"]["continuing_subword_prefix"] = "##";
  prefixed["model"]["merges"] = {"a ##b"};
  EXPECT_EQ(pieces(load(dir, prefixed)->encode("ab", {false})), (Pieces{"ab"}));
  auto suffixed = base_tokenizer(vocab_of({"a", "b</w>", "ab</w>"}));
  suffixed["model"]["end_of_word_suffix"] = "</w>";
  suffixed["model"]["merges"] = {"a b</w>"};
  const auto tokenizer = load(dir, suffixed);
  EXPECT_EQ(pieces(tokenizer->encode("ab", {false})), (Pieces{"ab</w>"}));
  EXPECT_EQ(tokenizer->decode(tokenizer->encode("ab", {false}).ids()), "ab ");
}

json added_token(int id, const std::string& content, bool special = true) {
  return json{{"id", id},          {"content", content}, {"single_word", false},
              {"lstrip", false},   {"rstrip", false},    {"normalized", !special},
              {"special", special}};
}

TEST(TokenizerJsonAddedTokens, SpecialTokensAreMatchedLongestFirstBeforeTheModel) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"<", "a", ">", " ", "b"}));
  config["added_tokens"] = {added_token(5, "<a>"), added_token(6, "<a><a>")};
  const auto encoding = load(dir, config)->encode("b<a><a> <a>", {false});
  EXPECT_EQ(pieces(encoding), (Pieces{"b", "<a><a>", " ", "<a>"}));
  EXPECT_EQ(byte_spans(encoding), (Spans{{0, 1}, {1, 7}, {7, 8}, {8, 11}}));
  EXPECT_FALSE(encoding.tokens[1].special);  // read from the text, so it has a span
}

TEST(TokenizerJsonAddedTokens, LstripAndRstripAbsorbTheWhitespaceAround) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"x", " ", "y"}));
  auto token = added_token(3, "<m>");
  token["lstrip"] = true;
  token["rstrip"] = true;
  config["added_tokens"] = json::array({token});
  const auto encoding = load(dir, config)->encode("x  <m>\t y", {false});
  EXPECT_EQ(pieces(encoding), (Pieces{"x", "<m>", "y"}));
  EXPECT_EQ(byte_spans(encoding), (Spans{{0, 1}, {1, 8}, {8, 9}}));
}

TEST(TokenizerJsonAddedTokens, SingleWordTokensDoNotMatchInsideWords) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"a", "b", " ", "c", "t"}));
  auto token = added_token(5, "cat", false);
  token["single_word"] = true;
  token["normalized"] = false;
  config["added_tokens"] = json::array({token});
  config["model"]["vocab"]["a"] = 0;
  const auto tokenizer = load(dir, config);
  EXPECT_EQ(pieces(tokenizer->encode("a cat b", {false})), (Pieces{"a", " ", "cat", " ", "b"}));
  EXPECT_EQ(pieces(tokenizer->encode("acat", {false})), (Pieces{"a", "c", "a", "t"}));
}

TEST(TokenizerJsonAddedTokens, NormalizedTokensAreMatchedAfterTheNormalizer) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"x", " "}));
  config["normalizer"] = {{"type", "Lowercase"}};
  config["added_tokens"] = json::array({added_token(2, "hello", false)});
  const auto encoding = load(dir, config)->encode("x HELLO x", {false});
  EXPECT_EQ(encoding.ids(), (std::vector<std::int64_t>{0, 1, 2, 1, 0}));
  EXPECT_EQ(byte_spans(encoding)[2], (std::pair<std::int64_t, std::int64_t>{2, 7}));
}

TEST(TokenizerJsonPostProcessor, TemplateAddsSpecialTokensWithEmptySpans) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"<s>", "</s>", "a"}));
  config["post_processor"] = {{"type", "TemplateProcessing"},
                              {"single",
                               {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                                {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}}}},
                              {"special_tokens",
                               {{"<s>", {{"id", "<s>"}, {"ids", {0}}, {"tokens", {"<s>"}}}},
                                {"</s>", {{"id", "</s>"}, {"ids", {1}}, {"tokens", {"</s>"}}}}}}};
  const auto tokenizer = load(dir, config);
  const auto encoding = tokenizer->encode("\u00e9a");
  EXPECT_EQ(encoding.ids(), (std::vector<std::int64_t>{0, 2, 1}));
  EXPECT_TRUE(encoding.tokens.front().special);
  EXPECT_EQ(byte_spans(encoding).front(), (std::pair<std::int64_t, std::int64_t>{0, 0}));
  EXPECT_EQ(byte_spans(encoding).back(), (std::pair<std::int64_t, std::int64_t>{3, 3}));
  EXPECT_EQ(encoding.tokens.back().char_start, 2);
  EXPECT_EQ(tokenizer->bos_id(), 0);
  EXPECT_EQ(tokenizer->encode("a", {false}).ids(), (std::vector<std::int64_t>{2}));
  // tokenizer_config.json can switch BOS off (and EOS on), as transformers' Llama tokenizers do.
  const auto no_bos = load(dir, config, json{{"add_bos_token", false}, {"bos_token", "<s>"}});
  EXPECT_EQ(no_bos->encode("a").ids(), (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(no_bos->bos_id(), std::nullopt);
}

TEST(TokenizerJsonPostProcessor, TokenizerConfigAddsBosWhereTheTemplateHasNone) {
  TempDir dir;
  const auto tokenizer = load(dir, base_tokenizer(vocab_of({"<s>", "a"})),
                              json{{"add_bos_token", true}, {"bos_token", {{"content", "<s>"}}}});
  EXPECT_EQ(tokenizer->encode("a").ids(), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(tokenizer->encode("a", {false}).ids(), (std::vector<std::int64_t>{1}));
}

// Split behaviours on "a-b--c" with a vocabulary holding every piece whole (ignore_merges).
Pieces split_with(const std::string& behavior, bool invert = false) {
  TempDir dir;
  auto config = base_tokenizer(
      vocab_of({"a", "b", "c", "-", "--", "a-", "b-", "-b", "-c", "--c", "b--", "a-b", "a-b--c"}));
  config["model"]["ignore_merges"] = true;
  config["pre_tokenizer"] = {{"type", "Split"},
                             {"pattern", {{"String", "-"}}},
                             {"behavior", behavior},
                             {"invert", invert}};
  return pieces(load(dir, config)->encode("a-b--c", {false}));
}

TEST(TokenizerJsonPreTokenizers, SplitBehaviours) {
  EXPECT_EQ(split_with("Removed"), (Pieces{"a", "b", "c"}));
  EXPECT_EQ(split_with("Isolated"), (Pieces{"a", "-", "b", "-", "-", "c"}));
  EXPECT_EQ(split_with("MergedWithPrevious"), (Pieces{"a-", "b-", "-", "c"}));
  EXPECT_EQ(split_with("MergedWithNext"), (Pieces{"a", "-b", "-", "-c"}));
  EXPECT_EQ(split_with("Contiguous"), (Pieces{"a", "-", "b", "--", "c"}));
  EXPECT_EQ(split_with("Removed", true), (Pieces{"-", "-", "-"}));
}

TEST(TokenizerJsonPreTokenizers, SplitRegexUsesUnicodeClasses) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"\u00e9t\u00e9", " ", "42", "\u4e2d\u6587"}));
  config["model"]["ignore_merges"] = true;
  config["pre_tokenizer"] = {
      {"type", "Split"}, {"pattern", {{"Regex", "\\p{L}+|\\p{N}+|\\s"}}}, {"behavior", "Isolated"}};
  EXPECT_EQ(pieces(load(dir, config)->encode("\u00e9t\u00e9 42 \u4e2d\u6587", {false})),
            (Pieces{"\u00e9t\u00e9", " ", "42", " ", "\u4e2d\u6587"}));
}

TEST(TokenizerJsonPreTokenizers, MetaspacePrependsAndSplits) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"\u2581a", "\u2581b", "a", "\u2581"}));
  config["model"]["ignore_merges"] = true;
  config["pre_tokenizer"] = {{"type", "Metaspace"},
                             {"replacement", "\u2581"},
                             {"prepend_scheme", "always"},
                             {"split", true}};
  const auto encoding = load(dir, config)->encode("a b", {false});
  EXPECT_EQ(pieces(encoding), (Pieces{"\u2581a", "\u2581b"}));
  // The prepended "▁" has no original text: the first token's span is just "a".
  EXPECT_EQ(byte_spans(encoding), (Spans{{0, 1}, {1, 3}}));
  config["pre_tokenizer"]["prepend_scheme"] = "never";
  EXPECT_EQ(pieces(load(dir, config)->encode("a b", {false})), (Pieces{"a", "\u2581b"}));
}

TEST(TokenizerJsonPreTokenizers, DigitsAndSequence) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"1", "2", "3", "12", "123", "x"}));
  config["model"]["ignore_merges"] = true;
  config["pre_tokenizer"] = {
      {"type", "Sequence"}, {"pretokenizers", {{{"type", "Digits"}, {"individual_digits", true}}}}};
  EXPECT_EQ(pieces(load(dir, config)->encode("x123", {false})), (Pieces{"x", "1", "2", "3"}));
  config["pre_tokenizer"]["pretokenizers"][0]["individual_digits"] = false;
  EXPECT_EQ(pieces(load(dir, config)->encode("x123", {false})), (Pieces{"x", "123"}));
}

TEST(TokenizerJsonPreTokenizers, ByteLevelWithRegexAndPrefixSpace) {
  TempDir dir;
  // Byte-level spellings: "Ġ" is the space byte.
  auto config = base_tokenizer(vocab_of({"Ġhi", "Ġthere", "!", "Ġ", "h", "i"}));
  config["model"]["ignore_merges"] = true;
  config["pre_tokenizer"] = {
      {"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}};
  config["decoder"] = {{"type", "ByteLevel"}};
  const auto tokenizer = load(dir, config, json{{"clean_up_tokenization_spaces", false}});
  const auto encoding = tokenizer->encode("hi there!", {false});
  EXPECT_EQ(pieces(encoding), (Pieces{"Ġhi", "Ġthere", "!"}));
  EXPECT_EQ(byte_spans(encoding), (Spans{{0, 2}, {2, 8}, {8, 9}}));
  EXPECT_EQ(tokenizer->decode(encoding.ids()), " hi there!");
}

TEST(TokenizerJsonNormalizers, NfcSpansCoverTheOriginalCharacters) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"\u00e9", "a"}));
  config["normalizer"] = {{"type", "NFC"}};
  const auto encoding = load(dir, config)->encode("ae\u0301a", {false});
  EXPECT_EQ(pieces(encoding), (Pieces{"a", "\u00e9", "a"}));
  EXPECT_EQ(byte_spans(encoding), (Spans{{0, 1}, {1, 4}, {4, 5}}));
  EXPECT_EQ(encoding.tokens[1].char_start, 1);
  EXPECT_EQ(encoding.tokens[1].char_end, 3);
}

TEST(TokenizerJsonNormalizers, ReplacePrependStripLowercase) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"\u2581", "a", "b"}));
  config["normalizer"] = {
      {"type", "Sequence"},
      {"normalizers",
       {{{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}},
        {{"type", "Lowercase"}},
        {{"type", "Replace"}, {"pattern", {{"Regex", " +"}}}, {"content", "\u2581"}},
        {{"type", "Prepend"}, {"prepend", "\u2581"}}}}};
  const auto encoding = load(dir, config)->encode("  A   B ", {false});
  EXPECT_EQ(pieces(encoding), (Pieces{"\u2581", "a", "\u2581", "b"}));
  // The prepended "▁" is empty at the start of the text that remains; the replaced run of
  // spaces keeps its three bytes.
  EXPECT_EQ(byte_spans(encoding), (Spans{{2, 2}, {2, 3}, {3, 6}, {6, 7}}));
}

TEST(TokenizerJsonDecoders, SentencepieceStyleChain) {
  TempDir dir;
  std::vector<std::string> tokens = {"\u2581hi", "\u2581there", "<0xE2>",
                                     "<0x82>",   "<0xAC>",      "<0xFF>"};
  auto config = base_tokenizer(vocab_of(tokens));
  config["decoder"] = {
      {"type", "Sequence"},
      {"decoders",
       {{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
        {{"type", "ByteFallback"}},
        {{"type", "Fuse"}},
        {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
  const auto tokenizer = load(dir, config, json{{"clean_up_tokenization_spaces", false}});
  EXPECT_EQ(tokenizer->decode({0, 1, 2, 3, 4}), "hi there\u20ac");
  // Invalid bytes decode to U+FFFD, as TextDecoder does.
  EXPECT_EQ(tokenizer->decode({0, 5}), "hi\ufffd");
  EXPECT_EQ(tokenizer->decode({0, 2, 3}), "hi\ufffd");
}

TEST(TokenizerJsonDecoders, CleanUpTokenizationSpacesFollowsTheConfig) {
  TempDir dir;
  auto config = base_tokenizer(vocab_of({"a", " .", " n't"}));
  config["decoder"] = {{"type", "Fuse"}};
  EXPECT_EQ(load(dir, config)->decode({0, 1, 2}), "a.n't");  // default: clean up, as transformers
  EXPECT_EQ(load(dir, config, json{{"clean_up_tokenization_spaces", false}})->decode({0, 1, 2}),
            "a . n't");
  config["decoder"] = nullptr;  // no decoder: tokens joined with spaces, as Tokenizers.js
  EXPECT_EQ(load(dir, config, json{{"clean_up_tokenization_spaces", false}})->decode({0, 1, 2}),
            "a  .  n't");
}

TEST(OnigurumaTranslation, FollowsTokenizersJsSemantics) {
  auto matches = [](const std::string& onig, const std::string& text) {
    const hf::Regex regex(hf::translate_oniguruma(onig, "test"), "test");
    std::vector<hf::ByteRange> found;
    regex.find_all(text, found);
    std::vector<std::string> out;
    for (const auto& [begin, end] : found) out.push_back(text.substr(begin, end - begin));
    return out;
  };
  EXPECT_EQ(matches("(?i:'s|'t)", "it'S x'T \u017f"), (Pieces{"'S", "'T"}));
  EXPECT_EQ(matches("(?i:'s)", "'\u017f"), Pieces{});  // ASCII folding only
  EXPECT_EQ(matches("\\s+", "a\u00a0\u0085b\u180ec"), (Pieces{"\u00a0\u0085"}));
  EXPECT_EQ(matches(".+", "ab\ncd"), (Pieces{"ab", "cd"}));
  EXPECT_EQ(matches("^x", "x\nx\rx"), (Pieces{"x", "x"}));
  EXPECT_EQ(matches("\\p{N}{1,3}", "12345"), (Pieces{"123", "45"}));
  EXPECT_EQ(matches("[^\\s\\p{L}]+", "ab!?  c"), (Pieces{"!?"}));
  EXPECT_EQ(matches("\\w+", "caf\u00e9_1 x\u00b2"), (Pieces{"caf\u00e9_1", "x\u00b2"}));
  EXPECT_EQ(matches("a++", "aaa"), (Pieces{"aaa"}));
  EXPECT_EQ(matches("x*", "ab"), (Pieces{"", "", ""}));  // empty matches advance one character
}

}  // namespace
}  // namespace sentlens::testing
