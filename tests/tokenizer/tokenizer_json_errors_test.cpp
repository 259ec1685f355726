// Bad input to the tokenizer.json and vocab.json + merges.txt backends: each error names the file,
// the place in it and the problem.
#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "sentlens/error.h"
#include "test_support.h"
#include "tokenizer_test_support.h"

namespace sentlens::testing {
namespace {

using nlohmann::json;

json minimal() {
  return json{{"added_tokens", json::array()},
              {"normalizer", nullptr},
              {"pre_tokenizer", nullptr},
              {"post_processor", nullptr},
              {"decoder", nullptr},
              {"model",
               {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", {"a b"}}}}};
}

// The message of the error `load_tokenizer_json` throws for `config`, which must be of type E.
template <typename E>
std::string load_error(const json& config) {
  TempDir dir;
  write_text_file(dir / "tokenizer.json", config.dump());
  SCOPED_TRACE(config.dump());
  return testing::error_of<E>([&] { load_tokenizer_json(dir / "tokenizer.json"); });
}

TEST(TokenizerJsonErrors, MalformedJsonNamesTheFile) {
  TempDir dir;
  write_text_file(dir / "tokenizer.json", "{\"model\": {\"type\": \"BPE\",");
  EXPECT_THAT(testing::error_of<FormatError>([&] { load_tokenizer_json(dir / "tokenizer.json"); }),
              ::testing::HasSubstr("tokenizer.json: not valid JSON"));
}

TEST(TokenizerJsonErrors, FileOverTheJsonLimitIsRefusedBeforeReading) {
  TempDir dir;
  write_text_file(dir / "tokenizer.json", "{}");
  std::filesystem::resize_file(dir / "tokenizer.json", (256ull << 20) + 1);  // sparse
  EXPECT_THAT(testing::error_of<LimitError>([&] { load_tokenizer_json(dir / "tokenizer.json"); }),
              ::testing::HasSubstr("tokenizer.json: file is 268435457 bytes, more "
                                   "than the 268435456 bytes allowed"));
}

TEST(TokenizerJsonErrors, UnknownComponentTypesNameTheTypeAndTheSupportedOnes) {
  auto config = minimal();
  config["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "BertNormalizer"}}}}};
  EXPECT_THAT(load_error<ConfigError>(config),
              ::testing::HasSubstr("normalizer.normalizers[0]: unsupported normalizer type "
                                   "'BertNormalizer' (supported: Sequence, Prepend, Replace, NFC"));
  config = minimal();
  config["pre_tokenizer"] = {{"type", "Punctuation"}};
  EXPECT_THAT(load_error<ConfigError>(config),
              ::testing::HasSubstr("pre_tokenizer: unsupported pre_tokenizer type 'Punctuation' "
                                   "(supported: ByteLevel, Split, Metaspace"));
  config = minimal();
  config["decoder"] = {{"type", "CTC"}};
  EXPECT_THAT(
      load_error<ConfigError>(config),
      ::testing::HasSubstr("decoder: unsupported decoder type 'CTC' (supported: ByteLevel"));
  config = minimal();
  config["post_processor"] = {{"type", "Fancy"}};
  EXPECT_THAT(load_error<ConfigError>(config),
              ::testing::HasSubstr("unsupported post_processor type 'Fancy' (supported: "
                                   "TemplateProcessing"));
  config = minimal();
  config["model"]["type"] = "Unigram";
  EXPECT_THAT(load_error<ConfigError>(config),
              ::testing::HasSubstr("model: unsupported model type 'Unigram' (supported: BPE)"));
  config = minimal();
  config["pre_tokenizer"] = {
      {"type", "Split"}, {"pattern", {{"String", "x"}}}, {"behavior", "Odd"}};
  EXPECT_THAT(load_error<ConfigError>(config),
              ::testing::HasSubstr("unsupported split behavior 'Odd' (supported: Removed"));
}

TEST(TokenizerJsonErrors, MergesNamingUnknownTokens) {
  auto config = minimal();
  config["model"]["merges"] = {"a b", "a zz"};
  EXPECT_THAT(load_error<FormatError>(config),
              ::testing::HasSubstr("model.merges[1]: merge 'a zz' names 'zz', which is not in the "
                                   "vocabulary"));
  config["model"]["merges"] = {"b a"};
  EXPECT_THAT(load_error<FormatError>(config),
              ::testing::HasSubstr("merge 'b a' makes 'ba', which is not in the vocabulary"));
  config["model"]["merges"] = {"a b c"};
  EXPECT_THAT(load_error<FormatError>(config),
              ::testing::HasSubstr("merge 'a b c' must be two tokens separated by one space"));
  config["model"]["merges"] = json::array({json::array({"a"})});
  EXPECT_THAT(load_error<FormatError>(config),
              ::testing::HasSubstr("a merge must be \"a b\" or [\"a\", \"b\"]"));
}

TEST(TokenizerJsonErrors, MissingOrMistypedFields) {
  auto config = minimal();
  config.erase("model");
  EXPECT_THAT(load_error<FormatError>(config), ::testing::HasSubstr("missing field 'model'"));
  config = minimal();
  config["model"]["vocab"] = json::array();
  EXPECT_THAT(load_error<FormatError>(config),
              ::testing::HasSubstr("model.vocab: expected an object mapping tokens to ids"));
  config = minimal();
  config["normalizer"] = {{"type", "Replace"}, {"pattern", {{"Regex", "("}}}, {"content", ""}};
  // A malformed file, not a model configuration (hostile inputs round 2, finding 10).
  EXPECT_THAT(load_error<FormatError>(config),
              ::testing::HasSubstr("normalizer.pattern: regular expression does not compile"));
  config = minimal();
  config["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "[a&&b]"}}}};
  EXPECT_THAT(load_error<ConfigError>(config),
              ::testing::HasSubstr("a character-class intersection (&&)"));
  config = minimal();
  config["added_tokens"] = {{{"id", -1}, {"content", "<x>"}}};
  EXPECT_THAT(load_error<FormatError>(config),
              ::testing::HasSubstr("added_tokens[0]: 'id' must be a non-negative integer"));
}

TEST(TokenizerJsonErrors, InvalidUtf8TextAndOutOfRangeIds) {
  TempDir dir;
  write_text_file(dir / "tokenizer.json", minimal().dump());
  const auto tokenizer = load_tokenizer_json(dir / "tokenizer.json");
  EXPECT_THAT(testing::error_of<InputError>([&] { tokenizer->encode("ab\xC3("); }),
              ::testing::HasSubstr("not valid UTF-8 (invalid byte 0xC3 at byte "
                                   "offset 2)"));
  const std::string message = testing::error_of<InputError>([&] { tokenizer->decode({0, 99}); });
  EXPECT_THAT(message, ::testing::HasSubstr("token id 99 is outside the vocabulary of"));
  EXPECT_THAT(message, ::testing::HasSubstr("tokenizer.json (3 ids)"));
  testing::expect_error<InputError>([&] { (void)(tokenizer->decode({-1})); });
  testing::expect_error<InputError>([&] { (void)(tokenizer->id_to_piece(3)); });
}

TEST(TokenizerJsonErrors, TextOverTheEncodeLimitIsRefusedBeforeReadingIt) {
  TempDir dir;
  write_text_file(dir / "tokenizer.json", minimal().dump());
  const auto tokenizer = load_tokenizer_json(dir / "tokenizer.json");
  UntouchableText text(kMaxEncodeBytes + 1);  // reading any byte of it would crash the test
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(testing::error_of<LimitError>([&] { tokenizer->encode(text.view()); }),
            "text of 268435457 bytes is too long to tokenize at once (at most "
            "268435456 bytes)");
  EXPECT_EQ(tokenizer->encode("ab").size(), 1u);
}

TEST(TokenizerJsonErrors, TokenizerConfigWithWrongTypes) {
  TempDir dir;
  write_text_file(dir / "tokenizer.json", minimal().dump());
  write_text_file(dir / "tokenizer_config.json", "{\"add_bos_token\": \"yes\"}");
  EXPECT_THAT(testing::error_of<FormatError>([&] { load_tokenizer_json(dir / "tokenizer.json"); }),
              ::testing::HasSubstr("tokenizer_config.json: 'add_bos_token' must be "
                                   "true or false"));
}

TEST(Gpt2VocabMerges, LoadsAndReportsBadLines) {
  TempDir dir;
  write_text_file(dir / "vocab.json", R"({"a": 0, "b": 1, "ab": 2, "<|endoftext|>": 3})");
  write_text_file(dir / "merges.txt", "#version: 0.2\na b\n");
  const auto tokenizer = load_tokenizer(dir.path());
  EXPECT_EQ(tokenizer->kind(), "vocab.json+merges.txt");
  EXPECT_EQ(tokenizer->encode("ab<|endoftext|>ab").ids(), (std::vector<std::int64_t>{2, 3, 2}));
  EXPECT_EQ(tokenizer->decode({2, 3, 0}), "ab<|endoftext|>a");
  write_text_file(dir / "merges.txt", "#version: 0.2\na b\nab\n");
  EXPECT_THAT(testing::error_of<FormatError>(
                  [&] { load_gpt2_vocab_merges(dir / "vocab.json", dir / "merges.txt"); }),
              ::testing::HasSubstr("merges.txt: line 3: expected two tokens "
                                   "separated by one space, found 'ab'"));
  write_text_file(dir / "merges.txt", "a c\n");
  EXPECT_THAT(testing::error_of<FormatError>(
                  [&] { load_gpt2_vocab_merges(dir / "vocab.json", dir / "merges.txt"); }),
              ::testing::HasSubstr("names 'c', which is not in the vocabulary"));
}

TEST(LoadTokenizer, PrefersTokenizerJsonAndExplainsAnEmptyFolder) {
  TempDir dir;
  EXPECT_THAT(testing::error_of<IoError>([&] { load_tokenizer(dir.path()); }),
              ::testing::HasSubstr("no tokenizer found (expected tokenizer.json, "
                                   "tokenizer.model or vocab.json + merges.txt)"));
  write_text_file(dir / "vocab.json", R"({"a": 0})");
  write_text_file(dir / "merges.txt", "");
  write_text_file(dir / "tokenizer.json", minimal().dump());
  EXPECT_EQ(load_tokenizer(dir.path())->kind(), "tokenizer.json");
  EXPECT_EQ(load_tokenizer(dir / "tokenizer.json")->kind(), "tokenizer.json");
  EXPECT_EQ(load_tokenizer(dir / "vocab.json")->kind(), "vocab.json+merges.txt");
}

}  // namespace
}  // namespace sentlens::testing
