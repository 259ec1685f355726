// docs/errors.md through the real binary: every bad input of the catalogue that a command can be
// given ends the CLI normally (never by a signal) with the documented exit code and a message
// naming the input. The hostile files are made once per suite in a temporary folder.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "sentlens/io/safetensors.h"
#include "sentlens/tokenizer/tokenizer.h"

namespace sentlens {
namespace {

using testing::quoted;
using testing::run_cli;
using testing::safetensors_bytes;
using testing::shared_dir;
using testing::TempDir;
using testing::write_binary_file;
using testing::write_text_file;
namespace fs = std::filesystem;

// Copies every tensor and the metadata of `from` to `to`, leaving out `drop` and replacing the
// metadata keys of `metadata`; `edit` may change a tensor's shape and values on the way (F32 and
// I64 only, which is all the files here hold).
struct TensorEdit {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<double> values;
};
void copy_safetensors(const fs::path& from, const fs::path& to, const std::string& drop = {},
                      const std::map<std::string, std::string>& metadata = {},
                      const std::vector<TensorEdit>& edits = {}) {
  const auto file = SafetensorsFile::open(from);
  SafetensorsWriter writer;
  for (const auto& [key, value] : file->metadata()) writer.set_metadata(key, value);
  for (const auto& [key, value] : metadata) writer.set_metadata(key, value);
  for (const std::string& name : file->names()) {
    if (name == drop) continue;
    const TensorInfo& info = file->info(name);
    const TensorEdit* edit = nullptr;
    for (const TensorEdit& e : edits)
      if (e.name == name) edit = &e;
    const auto shape = edit != nullptr ? edit->shape : info.shape;
    if (info.dtype == DType::I64) {
      writer.add_i64(name, shape,
                     edit != nullptr
                         ? std::vector<std::int64_t>(edit->values.begin(), edit->values.end())
                         : file->read_i64(name));
    } else if (edit != nullptr) {
      writer.add_f32(name, shape, std::vector<float>(edit->values.begin(), edit->values.end()));
    } else {
      writer.add_f32(name, shape, file->read_f32(name));
    }
  }
  writer.write(to);
}

// A sparse file of `size` bytes (nothing on disk).
void sparse_file(const fs::path& path, std::uintmax_t size, const std::string& start = "a") {
  write_text_file(path, start);
  fs::resize_file(path, size);
}

struct CatalogueCase {
  std::string name;       // test name
  std::string arguments;  // {model}, {tmp} and {out} (a file that must not appear) are replaced
  int exit_code;
  std::vector<std::string> messages;  // fragments of stderr; {tmp} and {model} are replaced
};

class CliErrorsCatalogue : public ::testing::TestWithParam<CatalogueCase> {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(shared_dir() / "models/stories260K/config.json")) return;
    dir_ = std::make_unique<TempDir>();
    const TempDir& d = *dir_;
    const fs::path stories = shared_dir() / "models/stories260K";

    // safetensors files, read as traces by `receivers`.
    fs::create_directories(d / "st");
    write_binary_file(d / "st/empty.safetensors", {});
    write_binary_file(d / "st/short.safetensors", {'a', 'b', 'c'});
    auto long_header = safetensors_bytes("{}", 0);
    const std::uint64_t thousand = 1000;
    std::memcpy(long_header.data(), &thousand, 8);
    write_binary_file(d / "st/long.safetensors", long_header);
    write_binary_file(d / "st/notjson.safetensors", safetensors_bytes("{not json", 0));
    write_binary_file(d / "st/number.safetensors", safetensors_bytes(R"({"w": 1e999})", 0));
    write_binary_file(d / "st/array.safetensors", safetensors_bytes("[1, 2]", 0));
    write_binary_file(
        d / "st/dtype.safetensors",
        safetensors_bytes(R"({"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}})",
                          2));
    write_binary_file(
        d / "st/range.safetensors",
        safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", 8));
    write_binary_file(
        d / "st/shape.safetensors",
        safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8));
    write_binary_file(
        d / "st/overlap.safetensors",
        safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
 "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                          12));
    write_binary_file(d / "st/overflow.safetensors",
                      safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296],
 "data_offsets": [0, 0]}})",
                                        0));
    write_binary_file(
        d / "st/negative.safetensors",
        safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}})", 0));
    write_binary_file(d / "st/nooffsets.safetensors",
                      safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [1]}})", 4));
    write_binary_file(
        d / "st/large.safetensors",
        safetensors_bytes(
            R"({"w": {"dtype": "F32", "shape": [1099511627776], "data_offsets": [0, 4398046511104]}})",
            16));
    auto huge_header = safetensors_bytes("{}", 0);
    const std::uint64_t over = kMaxSafetensorsHeaderBytes + 1;
    std::memcpy(huge_header.data(), &over, 8);
    write_binary_file(d / "st/huge-header.safetensors", huge_header);
    fs::resize_file(d / "st/huge-header.safetensors", 8 + over);  // sparse
    SafetensorsWriter plain;
    plain.add_f32("x", {1}, {1.0f});
    plain.write(d / "st/plain.safetensors");

    // Traces: a real one from stories260K, then broken copies.
    fs::create_directories(d / "trace");
    write_text_file(d / "trace/story.txt",
                    "Once upon a time there was a cat. The cat liked to play in the sun. One day "
                    "it saw a big red ball! It ran to the ball. It played all day. Then it slept.");
    write_text_file(d / "trace/one.txt", "Once upon a time there was a cat.");
    write_text_file(d / "trace/empty.txt", "");
    const auto traced = run_cli("trace --model " + quoted(stories.string()) + " --text-file " +
                                quoted((d / "trace/story.txt").string()) + " --out " +
                                quoted((d / "trace/good.safetensors").string()));
    ASSERT_EQ(traced.exit_code, 0) << traced.err;
    const auto one = run_cli("trace --model " + quoted(stories.string()) + " --text-file " +
                             quoted((d / "trace/one.txt").string()) + " --out " +
                             quoted((d / "trace/one.safetensors").string()));
    ASSERT_EQ(one.exit_code, 0) << one.err;
    const fs::path good = d / "trace/good.safetensors";
    copy_safetensors(good, d / "trace/version2.safetensors", {},
                     {{"sentlens.schema_version", "2"}});
    const auto file = SafetensorsFile::open(good);
    auto attention_shape = file->info("sentence_attention").shape;  // [L, H, S, S]
    std::swap(attention_shape[0], attention_shape[1]);
    const auto attention = file->read_f32("sentence_attention");
    copy_safetensors(good, d / "trace/shape.safetensors", {}, {},
                     {{"sentence_attention", attention_shape,
                       std::vector<double>(attention.begin(), attention.end())}});
    auto token_sentence = file->read_i64("token_sentence");
    const auto sentences = file->info("sentence_token_ranges").shape[0];
    token_sentence.back() = sentences;  // a sentence that does not exist
    copy_safetensors(good, d / "trace/sentence.safetensors", {}, {},
                     {{"token_sentence",
                       {static_cast<std::int64_t>(token_sentence.size())},
                       std::vector<double>(token_sentence.begin(), token_sentence.end())}});
    auto waad_shape = file->info("token_waad").shape;  // [L, H, T]
    waad_shape.back() -= 1;
    copy_safetensors(
        good, d / "trace/waad.safetensors", {}, {},
        {{"token_waad", waad_shape,
          std::vector<double>(
              static_cast<std::size_t>(waad_shape[0] * waad_shape[1] * waad_shape[2]), 0.5)}});

    // --attention files for `receivers`: a map whose rows sum to 0.5.
    SafetensorsWriter half;
    std::vector<float> map(2 * 2 * 4 * 4, 0.0f);
    for (int lh = 0; lh < 4; ++lh)
      for (int i = 0; i < 4; ++i) map[static_cast<std::size_t>(lh * 16 + i * 4)] = 0.5f;
    half.add_f32("attn", {2, 2, 4, 4}, map);
    half.add_i64("boundaries", {2, 2}, {0, 2, 2, 4});
    half.write(d / "st/half-attention.safetensors");

    // Model folders: config.json problems, index problems, missing and mis-shaped tensors.
    const std::string config = testing::read_text_file(stories / "config.json");
    auto folder = [&](const std::string& name, const std::string& config_text) {
      fs::create_directories(d / name);
      write_text_file(d / name / "config.json", config_text);
      return d / name;
    };
    folder("invalid-json", "{\"model_type\": ");
    folder("missing-field", "{\"model_type\": \"llama\"}");
    auto json = nlohmann::json::parse(config);
    json["hidden_size"] = "64";
    folder("mistyped-field", json.dump());
    json = nlohmann::json::parse(config);
    json["num_attention_heads"] = 7;
    folder("heads", json.dump());
    folder("no-weights", config);
    folder("missing-shard", config);
    write_text_file(d / "missing-shard/model.safetensors.index.json",
                    R"({"weight_map": {"a": "model-00001-of-00002.safetensors"}})");
    folder("wrong-shard", config);
    plain.write(d / "wrong-shard/part.safetensors");
    write_text_file(d / "wrong-shard/model.safetensors.index.json",
                    R"({"weight_map": {"b": "part.safetensors"}})");
    folder("missing-tensor", config);
    copy_safetensors(stories / "model.safetensors", d / "missing-tensor/model.safetensors",
                     "model.norm.weight");
    folder("misshaped-tensor", config);
    copy_safetensors(stories / "model.safetensors", d / "misshaped-tensor/model.safetensors", {},
                     {}, {{"model.norm.weight", {32}, std::vector<double>(32, 1.0)}});

    // Tokenizer files.
    fs::create_directories(d / "tok");
    const nlohmann::json minimal = {
        {"added_tokens", nlohmann::json::array()},
        {"normalizer", nullptr},
        {"pre_tokenizer", nullptr},
        {"post_processor", nullptr},
        {"decoder", nullptr},
        {"model",
         {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", {"a b"}}}}};
    auto tokenizer = [&](const std::string& name, const nlohmann::json& value) {
      fs::create_directories(d / "tok" / name);
      write_text_file(d / "tok" / name / "tokenizer.json", value.dump());
    };
    fs::create_directories(d / "tok/notjson");
    write_text_file(d / "tok/notjson/tokenizer.json", "{\"model\": {\"type\": \"BPE\",");
    auto bad = minimal;
    bad["normalizer"] = {{"type", "BertNormalizer"}};
    tokenizer("normalizer", bad);
    bad = minimal;
    bad["model"]["merges"] = {"a b", "a zz"};
    tokenizer("merges", bad);
    bad = minimal;
    bad.erase("model");
    tokenizer("no-model", bad);
    tokenizer("config", minimal);
    write_text_file(d / "tok/config/tokenizer_config.json", "{\"add_bos_token\": \"yes\"}");
    fs::create_directories(d / "tok/gpt2");
    write_text_file(d / "tok/gpt2/vocab.json", R"({"a": 0, "b": 1, "ab": 2})");
    write_text_file(d / "tok/gpt2/merges.txt", "#version: 0.2\na b\nabc\n");
    fs::create_directories(d / "tok/empty");
    fs::create_directories(d / "text");
    write_text_file(d / "text/bad.txt", "bad \xff byte. More text here.");
    sparse_file(d / "text/over-encode-limit.txt", kMaxEncodeBytes + 1);
    sparse_file(d / "text/over-file-limit.txt", (std::uintmax_t{1} << 30) + 1);
  }
  static void TearDownTestSuite() { dir_.reset(); }

  static std::unique_ptr<TempDir> dir_;
};

std::unique_ptr<TempDir> CliErrorsCatalogue::dir_;

TEST_P(CliErrorsCatalogue, EndsNormallyWithTheDocumentedCodeAndMessage) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  ASSERT_TRUE(dir_ != nullptr);
  const std::string tmp = dir_->path().string();
  auto substitute = [&](std::string text, bool quote) {
    auto replace = [&](const std::string& key, const std::string& value) {
      for (auto at = text.find(key); at != std::string::npos;
           at = text.find(key, at + value.size()))
        text.replace(at, key.size(), value);
    };
    replace("{model}", quote ? quoted((shared_dir() / "models/stories260K").string())
                             : (shared_dir() / "models/stories260K").string());
    replace("{tmp}", quote ? quoted(tmp) : tmp);
    return text;
  };
  TempDir out;
  std::string arguments = substitute(GetParam().arguments, true);
  const std::string out_file = quoted((out / "out.safetensors").string());
  for (auto at = arguments.find("{out}"); at != std::string::npos; at = arguments.find("{out}"))
    arguments.replace(at, 5, out_file);
  const auto result = run_cli(arguments);
  EXPECT_FALSE(result.signaled) << "ended by a signal: " << result.err;
  EXPECT_EQ(result.exit_code, GetParam().exit_code) << result.err;
  for (const std::string& fragment : GetParam().messages) {
    EXPECT_NE(result.err.find(substitute(fragment, false)), std::string::npos)
        << "expected \"" << substitute(fragment, false) << "\" in: " << result.err;
  }
  EXPECT_FALSE(fs::exists(out / "out.safetensors"));
}

// Each row: the docs/errors.md row it exercises, the command, the exit code, message fragments.
const CatalogueCase kCases[] = {
    // Limits that protect memory.
    {"SafetensorsHeaderOverTheLimit",
     "receivers {tmp}/st/huge-header.safetensors",
     6,
     {"{tmp}/st/huge-header.safetensors: header of 104857601 bytes exceeds the 104857600 bytes "
      "allowed"}},
    {"TensorDeclaredLargerThanTheFile",
     "receivers {tmp}/st/large.safetensors",
     4,
     {"{tmp}/st/large.safetensors: tensor \"w\" data_offsets [0, 4398046511104] out of range of "
      "the 16-byte data section"}},
    {"ShapeWhoseSizeOverflows",
     "receivers {tmp}/st/overflow.safetensors",
     4,
     {"{tmp}/st/overflow.safetensors", "overflows"}},
    {"TextOverTheEncodeLimit",
     "tokenize --model {model} --text-file {tmp}/text/over-encode-limit.txt",
     6,
     {"too large: text of 268435457 bytes is too long to tokenize at once (at most 268435456 "
      "bytes)"}},
    {"TextFileOverTheFileLimit",
     "tokenize --model {model} --text-file {tmp}/text/over-file-limit.txt",
     6,
     {"{tmp}/text/over-file-limit.txt: file is 1073741825 bytes, more than the 1073741824 bytes "
      "allowed"}},
    // safetensors files.
    {"SafetensorsMissingFile",
     "receivers {tmp}/st/absent.safetensors",
     5,
     {"{tmp}/st/absent.safetensors: cannot open"}},
    {"SafetensorsEmptyFile",
     "receivers {tmp}/st/empty.safetensors",
     4,
     {"{tmp}/st/empty.safetensors", "0 bytes"}},
    {"SafetensorsShorterThanTheHeaderLength",
     "receivers {tmp}/st/short.safetensors",
     4,
     {"{tmp}/st/short.safetensors", "shorter than the 8-byte header length"}},
    {"SafetensorsHeaderLengthPastTheEnd",
     "receivers {tmp}/st/long.safetensors",
     4,
     {"{tmp}/st/long.safetensors: header length 1000 runs past the end of the file"}},
    {"SafetensorsHeaderNotJson",
     "receivers {tmp}/st/notjson.safetensors",
     4,
     {"{tmp}/st/notjson.safetensors: header is not valid JSON"}},
    {"SafetensorsHeaderNumberOverflow",
     "receivers {tmp}/st/number.safetensors",
     4,
     {"{tmp}/st/number.safetensors: header is not valid JSON (number overflow parsing '1e999')"}},
    {"SafetensorsHeaderNotAnObject",
     "receivers {tmp}/st/array.safetensors",
     4,
     {"{tmp}/st/array.safetensors: header is JSON but not an object"}},
    {"SafetensorsUnknownDtype",
     "receivers {tmp}/st/dtype.safetensors",
     4,
     {"{tmp}/st/dtype.safetensors: tensor \"w\" has unknown dtype \"F8_E4M3\" (supported: F64, "
      "F32"}},
    {"SafetensorsOffsetsOutOfRange",
     "receivers {tmp}/st/range.safetensors",
     4,
     {"data_offsets [0, 16] out of range of the 8-byte data section"}},
    {"SafetensorsOffsetsNotMatchingTheShape",
     "receivers {tmp}/st/shape.safetensors",
     4,
     {"spans 8 bytes but shape [3] of F32 needs 12 bytes"}},
    {"SafetensorsOverlappingTensors",
     "receivers {tmp}/st/overlap.safetensors",
     4,
     {"{tmp}/st/overlap.safetensors", "overlap"}},
    {"SafetensorsNegativeDimension",
     "receivers {tmp}/st/negative.safetensors",
     4,
     {"not a non-negative integer"}},
    {"SafetensorsMissingDataOffsets",
     "receivers {tmp}/st/nooffsets.safetensors",
     4,
     {"needs data_offsets"}},
    {"IndexNamingAMissingShard",
     "forward --model {tmp}/missing-shard --ids 1,2 --out {out}",
     5,
     {"shard \"model-00001-of-00002.safetensors\" (holding \"a\") does not exist"}},
    {"IndexPlacingATensorInTheWrongShard",
     "forward --model {tmp}/wrong-shard --ids 1,2 --out {out}",
     4,
     {"index places \"b\" in \"part.safetensors\", but that shard has no such tensor"}},
    {"FolderWithoutWeights",
     "forward --model {tmp}/no-weights --ids 1,2 --out {out}",
     5,
     {"{tmp}/no-weights: no model.safetensors or model.safetensors.index.json in the folder"}},
    // config.json.
    {"ConfigNotJson",
     "info --model {tmp}/invalid-json",
     4,
     {"{tmp}/invalid-json/config.json: not valid JSON"}},
    {"ConfigMissingField",
     "info --model {tmp}/missing-field",
     4,
     {"{tmp}/missing-field/config.json: missing required field"}},
    {"ConfigMistypedField",
     "info --model {tmp}/mistyped-field",
     4,
     {"field \"hidden_size\" must be an integer, found \"64\""}},
    {"ConfigHeadsNotDividing",
     "info --model {tmp}/heads",
     4,
     {"{tmp}/heads/config.json: num_attention_heads 7 is not a multiple of num_key_value_heads 4"}},
    {"MissingTensor",
     "forward --model {tmp}/missing-tensor --ids 1,2 --out {out}",
     4,
     {"model.norm.weight"}},
    {"TensorNotMatchingTheConfig",
     "forward --model {tmp}/misshaped-tensor --ids 1,2 --out {out}",
     4,
     {"model.norm.weight", "[64]", "[32]"}},
    // Tokenizer files and text.
    {"TokenizerJsonNotJson",
     "tokenize --tokenizer {tmp}/tok/notjson/tokenizer.json --text ab",
     4,
     {"{tmp}/tok/notjson/tokenizer.json: not valid JSON"}},
    {"TokenizerUnsupportedNormalizer",
     "tokenize --tokenizer {tmp}/tok/normalizer/tokenizer.json --text ab",
     4,
     {"normalizer: unsupported normalizer type 'BertNormalizer' (supported: "}},
    {"TokenizerMergeOfAnUnknownToken",
     "tokenize --tokenizer {tmp}/tok/merges/tokenizer.json --text ab",
     4,
     {"model.merges[1]: merge 'a zz' names 'zz', which is not in the vocabulary"}},
    {"TokenizerMissingModel",
     "tokenize --tokenizer {tmp}/tok/no-model/tokenizer.json --text ab",
     4,
     {"missing field 'model'"}},
    {"TokenizerConfigWithAWrongType",
     "tokenize --tokenizer {tmp}/tok/config/tokenizer.json --text ab",
     4,
     {"tokenizer_config.json: 'add_bos_token' must be"}},
    {"MergesTxtBadLine",
     "tokenize --tokenizer {tmp}/tok/gpt2/vocab.json --text ab",
     4,
     {"merges.txt: line 3: expected two tokens"}},
    {"FolderWithoutATokenizer",
     "tokenize --model {tmp}/tok/empty --text ab",
     5,
     {"no tokenizer found (expected tokenizer.json, tokenizer.model or vocab.json + merges.txt)"}},
    {"TokenizeTextNotUtf8",
     "tokenize --model {model} --text-file {tmp}/text/bad.txt",
     3,
     {"not valid UTF-8"}},
    {"EmptyTextFile",
     "split --text-file {tmp}/trace/empty.txt",
     3,
     {"{tmp}/trace/empty.txt: the file is empty: there is no text"}},
    {"EmptyDecodeList", "tokenize --model {model} --decode ''", 2, {"--decode"}},
    // A CUDA device this machine does not have (none at all in CI; a GPU machine has fewer than
    // 99).
    // Where the response starts.
    {"ResponseMarkerNotInTheText",
     "trace --model {model} --text 'Q: hi. A: One. Two.' --response-start 'B: ' --out {out}",
     3,
     {"--response-start: the marker 'B: ' does not occur in the text"}},
    // A marker spelled like an option field stays as given: only the field names of the
    // library's own wording become flags.
    {"ResponseMarkerSpelledLikeAField",
     "trace --model {model} --text 'Q: hi. A: One. Two.' --response-start 'top_k' --out {out}",
     3,
     {"--response-start: the marker 'top_k' does not occur in the text"}},
    {"EmptyResponseMarker",
     "analyze --model {model} --text 'One. Two.' --response-start ''",
     3,
     {"--response-start: the marker is empty"}},
    {"PromptLongerThanTheText",
     "trace --model {model} --text 'One. Two.' --prompt-chars 50 --out {out}",
     3,
     {"--prompt-chars 50 lies outside the text (9 code points)"}},
    {"ResponseTokenBeyondTheText",
     "trace --model {model} --text 'One. Two.' --response-token 99 --out {out}",
     3,
     {"first response token 99 (response_start) is beyond the"}},
    {"MissingCudaDevice",
     "trace --model {model} --text 'One. Two.' --device cuda:99 --out {out}",
     3,
     {"--device: 'cuda:99': "}},
    {"DecodeIdOutsideTheVocabulary",
     "tokenize --model {model} --decode 1,600",
     3,
     {"token id 600 is outside the vocabulary of", "(512 ids)"}},
    // Command-line lists.
    {"IdListIntegerOverflow",
     "forward --model {model} --ids 1,99999999999999999999 --out {out}",
     3,
     {"--ids: \"99999999999999999999\" is not an integer"}},
    {"IdListEmptyItem", "forward --model {model} --ids 1,,2 --out {out}", 3, {"--ids: "}},
    {"ReversedBoundaries",
     "suppress --model {model} --ids 1,2,3,4,5,6,7,8,9,10 --boundaries 9:3",
     3,
     {"--boundaries: range 9:3 ends before it starts"}},
    {"LayerOutsideTheModel",
     "suppress --model {model} --ids 1,2,3,4,5,6 --boundaries 0:3,3:6 --layers 99",
     3,
     {"layer 99 does not exist (the model has 5)"}},
    // Sentence splitter and trace files.
    {"UnknownSplitProfile",
     "split --text 'One. Two.' --profile exact",
     3,
     {"--profile: unknown profile 'exact', expected 'clean' or 'reference'"}},
    {"UnknownCalibrateProfile",
     "calibrate --model {model} --text 'One. Two.' --heads 0:0 "
     "--profile exact",
     3,
     {"--profile: unknown profile 'exact', expected 'clean' or 'reference'"}},
    {"OverlappingSentenceRanges",
     "suppress --model {model} --ids 1,2,3,4,5 --boundaries 0:3,2:4",
     3,
     {"sentence 1 (2:4) overlaps or precedes the previous sentence (ending at 3)"}},
    {"TraceOfAnotherSchemaVersion",
     "receivers {tmp}/trace/version2.safetensors",
     4,
     {"{tmp}/trace/version2.safetensors: unsupported trace schema version '2' (this sentlens reads "
      "version 1)"}},
    {"TraceTensorOfTheWrongShape",
     "receivers {tmp}/trace/shape.safetensors",
     4,
     {"{tmp}/trace/shape.safetensors: tensor `sentence_attention` has shape", "from the metadata"}},
    {"TraceTokenInAMissingSentence",
     "receivers {tmp}/trace/sentence.safetensors",
     4,
     {"{tmp}/trace/sentence.safetensors: token", "but there are"}},
    {"TraceTokenRhythmMisShaped",
     "tokens {tmp}/trace/waad.safetensors",
     4,
     {"{tmp}/trace/waad.safetensors: tensor `token_waad` has shape", "from the metadata"}},
    {"NotATrace",
     "receivers {tmp}/st/plain.safetensors",
     4,
     {"{tmp}/st/plain.safetensors: not a sentlens trace (no `sentlens.schema_version` in the "
      "metadata)"}},
    // Metric inputs.
    {"ReceiversOfOneSentence",
     "receivers {tmp}/trace/one.safetensors",
     3,
     {"vertical scores need at least --proximity-ignore + 2 = 6 sentences"}},
    {"UnknownScoreType",
     "receivers {tmp}/trace/good.safetensors --score-type max",
     3,
     {"--score-type: unknown score type 'max', expected 'mean' or 'median'"}},
    {"AttentionNotRowStochastic",
     "receivers --attention {tmp}/st/half-attention.safetensors --strict",
     3,
     {"{tmp}/st/half-attention.safetensors: attention is not row-stochastic"}},
};

INSTANTIATE_TEST_SUITE_P(Rows, CliErrorsCatalogue, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<CatalogueCase>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace sentlens
