// End-to-end tests of `sentlens info` and `sentlens forward`, including their bad-input behaviour.
#include <gtest/gtest.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "sentlens/io/safetensors.h"

namespace sentlens {
namespace {

using testing::quoted;
using testing::run_cli;
using testing::shared_dir;

std::string stories() {
  return quoted((shared_dir() / "models/stories260K").string());
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

TEST(CliInfo, DescribesStories260K) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  auto result = run_cli("info --model " + stories() + " --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["family"], "llama");
  EXPECT_EQ(json["layers"], 5);
  EXPECT_EQ(json["heads"], 8);
  EXPECT_EQ(json["kv_heads"], 4);
  EXPECT_EQ(json["head_dim"], 8);
  EXPECT_EQ(json["vocab_size"], 512);
  EXPECT_EQ(json["parameters"], 260032);  // as the model card says
  EXPECT_EQ(json["dtype_on_disk"], "F32");
  auto table = run_cli("info --model " + stories());
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_CONTAINS(table.out, "parameters");
}

TEST(CliForward, WritesTheGoldenLayoutAndMatchesTheGolden) {
  SENTLENS_REQUIRE_SHARED_FILE("golden/stories260K/short_story.safetensors");
  const auto golden =
      SafetensorsFile::open(shared_dir() / "golden/stories260K/short_story.safetensors");
  std::string ids;
  for (auto id : golden->read_i64("ids")) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  testing::TempDir dir;
  auto result = run_cli("forward --model " + stories() + " --ids " + ids +
                        " --attention --hidden --block-size 7 --threads 1 --out " +
                        quoted((dir / "out.safetensors").string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto out = SafetensorsFile::open(dir / "out.safetensors");
  EXPECT_EQ(out->read_i64("ids"), golden->read_i64("ids"));
  EXPECT_EQ(out->info("logits").shape, golden->info("logits").shape);
  EXPECT_EQ(out->info("attentions").shape, golden->info("attentions").shape);
  EXPECT_EQ(out->info("hidden").shape, (std::vector<std::int64_t>{61, 64}));
  EXPECT_LT(testing::max_abs_diff(out->read_f32("logits"), golden->read_f32("logits")), 1e-4);
  EXPECT_LT(testing::max_abs_diff(out->read_f32("attentions"), golden->read_f32("attentions")),
            1e-5);
}

// Every family of the table through the command line: info describes it, forward matches the
// transformers golden.
class CliFamilies : public ::testing::TestWithParam<std::string> {};

TEST_P(CliFamilies, InfoDescribesAndForwardMatchesTransformers) {
  const std::string family = GetParam();
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/" + family + "/golden.safetensors");
  const auto folder = shared_dir() / "golden/hf" / family;
  const auto golden = SafetensorsFile::open(folder / "golden.safetensors");
  const auto info = run_cli("info --json --model " + quoted(folder.string()));
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const auto summary = nlohmann::json::parse(info.out);
  EXPECT_EQ(summary["family"],
            nlohmann::json::parse(testing::read_text_file(folder / "config.json"))["model_type"]);
  EXPECT_EQ(summary["attention"], family == "deepseek_v3" ? "latent" : "standard");
  EXPECT_EQ(summary["experts"].get<int>() > 0, family.find("moe") != std::string::npos ||
                                                   family == "mixtral" || family == "deepseek_v3");
  std::string ids;
  for (auto id : golden->read_i64("ids_a")) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  testing::TempDir dir;
  auto result =
      run_cli("forward --model " + quoted(folder.string()) + " --ids " + ids +
              " --attention --threads 1 --out " + quoted((dir / "out.safetensors").string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto out = SafetensorsFile::open(dir / "out.safetensors");
  EXPECT_LT(testing::max_abs_diff(out->read_f32("logits"), golden->read_f32("logits_a")), 3e-4);
  EXPECT_LT(testing::max_abs_diff(out->read_f32("attentions"), golden->read_f32("attentions_a")),
            3e-5);
}

INSTANTIATE_TEST_SUITE_P(Families, CliFamilies,
                         ::testing::Values("gemma2", "gemma3_text", "phi3", "olmo2", "qwen2_moe",
                                           "qwen3_moe", "mixtral", "deepseek_v3", "gpt2_relu"));

TEST(CliForward, TokenizesTextAndPrintsJsonSummary) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/tokenizer.model");
  testing::TempDir dir;
  auto result =
      run_cli("forward --model " + stories() + " --text 'Once upon a time' --json --out " +
              quoted((dir / "out.safetensors").string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["tokens"], 5);  // BOS + 4 pieces, as in greedy.json's prompt_ids
  EXPECT_EQ(json["top_next"][0]["piece"], ",");
  EXPECT_EQ(SafetensorsFile::open(dir / "out.safetensors")->read_i64("ids"),
            (std::vector<std::int64_t>{1, 403, 407, 261, 378}));
  auto no_bos =
      run_cli("forward --model " + stories() + " --text 'Once upon a time' --no-bos --json --out " +
              quoted((dir / "out2.safetensors").string()));
  ASSERT_EQ(no_bos.exit_code, 0) << no_bos.err;
  EXPECT_EQ(nlohmann::json::parse(no_bos.out)["tokens"], 4);
}

struct BadInputCase {
  std::string name;
  std::string arguments;  // {model} and {tmp} are replaced
  int exit_code;
  std::string message;
};

class CliBadInput : public ::testing::TestWithParam<BadInputCase> {};

TEST_P(CliBadInput, FailsWithAClearMessageAndExitCode) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  testing::TempDir dir;
  testing::write_text_file(dir / "config.json", "{\"model_type\": \"bert\"}");
  testing::write_text_file(dir / "broken.json", "{\"model_type\": ");
  // Hostile files for the cases of docs/errors.md.
  testing::write_text_file(dir / "bad.trace", "garbage");
  testing::write_text_file(dir / "bad.txt", "bad \xff byte. More text here.");
  std::filesystem::create_directories(dir / "huge");
  testing::write_text_file(dir / "huge" / "tokenizer.json", "{}");
  std::filesystem::resize_file(dir / "huge" / "tokenizer.json", (256ull << 20) + 1);  // sparse
  std::filesystem::create_directories(dir / "overflow");
  testing::write_text_file(dir / "overflow" / "config.json", "{\"model_type\": 1e999}");
  std::string arguments = GetParam().arguments;
  auto replace = [&](const std::string& key, const std::string& value) {
    for (auto at = arguments.find(key); at != std::string::npos; at = arguments.find(key)) {
      arguments.replace(at, key.size(), value);
    }
  };
  replace("{model}", stories());
  replace("{tmp}", quoted(dir.path().string()));
  replace("{out}", quoted((dir / "out.safetensors").string()));
  auto result = run_cli(arguments);
  EXPECT_FALSE(result.signaled) << "crashed: " << result.err;
  EXPECT_EQ(result.exit_code, GetParam().exit_code) << result.err;
  EXPECT_CONTAINS(result.err, GetParam().message);
  EXPECT_FALSE(std::filesystem::exists(dir / "out.safetensors"));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliBadInput,
    ::testing::Values(
        BadInputCase{"UnsupportedModelType", "info --model {tmp}", 4,
                     "unsupported model_type \"bert\" (supported: gpt2, llama, mistral, qwen2, "
                     "qwen3, gemma2, "
                     "gemma3_text, phi3, olmo2, qwen2_moe, qwen3_moe, mixtral, deepseek_v3)"},
        BadInputCase{"MissingModelFolder", "info --model /nonexistent/model", 5,
                     "/nonexistent/model: not a model folder"},
        BadInputCase{"IdOutOfVocabulary", "forward --model {model} --ids 1,2,999 --out {out}", 3,
                     "token id 999 at position 2 is outside the vocabulary of 512"},
        BadInputCase{"BadIdList", "forward --model {model} --ids 1,two --out {out}", 3,
                     "--ids: \"two\" is not an integer"},
        BadInputCase{"EmptyText", "forward --model {model} --text '' --out {out}", 3,
                     "empty input"},
        BadInputCase{"MissingTextFile",
                     "forward --model {model} --text-file /nonexistent.txt --out {out}", 5,
                     "/nonexistent.txt: file not found"},
        BadInputCase{"MissingRequiredOption", "forward --model {model} --ids 1", 2,
                     "--out is required"},
        BadInputCase{"UnknownSubcommand", "frobnicate", 2,
                     "sentlens: unknown command 'frobnicate'; the commands are: analyze, info, "
                     "forward"},
        BadInputCase{"MisspelledSubcommand", "analyse --demo", 2,
                     "unknown command 'analyse' (did you mean 'analyze'?)"},
        BadInputCase{"MisspelledOption", "forward --model {model} --ids 1 --ouput {out}", 2,
                     "unknown option '--ouput' for 'sentlens forward' (did you mean '--out'?); "
                     "see sentlens forward --help"},
        BadInputCase{"MisspelledOptionWithValue", "analyze --demo --top-kk=3", 2,
                     "unknown option '--top-kk' for 'sentlens analyze' (did you mean '--top-k'?)"},

        BadInputCase{"TraceNotSafetensors", "receivers {tmp}/bad.trace", 4,
                     "bad.trace: not a safetensors file: 7 bytes, shorter than the 8-byte header "
                     "length"},
        BadInputCase{"TextNotUtf8", "split --text-file {tmp}/bad.txt", 3,
                     "text is not valid UTF-8: bad byte sequence at byte 4"},
        BadInputCase{"TokenizerOverJsonLimit",
                     "tokenize --tokenizer {tmp}/huge/tokenizer.json --text hi", 6,
                     "file is 268435457 bytes, more than the 268435456 bytes allowed"},
        // Found by fuzzing: exited 70 (internal error) before the fix.
        BadInputCase{"ConfigNumberOverflow", "info --model {tmp}/overflow", 4,
                     "not valid JSON (number overflow parsing '1e999')"}),
    [](const ::testing::TestParamInfo<BadInputCase>& info) { return info.param.name; });

TEST(CliForward, ThreadsAboveTheCoresAreClampedWithAWarning) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  testing::TempDir dir;
  const auto result = run_cli("forward --model " + stories() + " --ids 1,2 --threads 4096 --out " +
                              quoted((dir / "out.safetensors").string()));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_CONTAINS(result.err, "4096 threads asked for, but this process may run on");
}

TEST(CliForward, TooManyTokensNeedsAllowLonger) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  testing::TempDir dir;
  std::string ids = "1";
  for (int i = 0; i < 520; ++i) ids += ",300";
  auto result = run_cli("forward --model " + stories() + " --ids " + ids + " --out " +
                        quoted((dir / "out.safetensors").string()));
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_CONTAINS(result.err, "521 tokens exceed max_position_embeddings 512");
  auto allowed = run_cli("forward --model " + stories() + " --ids " + ids +
                         " --allow-longer --out " + quoted((dir / "out.safetensors").string()));
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
}

TEST(CliForward, CorruptWeightsFailCleanly) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  testing::TempDir dir;
  std::filesystem::copy_file(shared_dir() / "models/stories260K/config.json", dir / "config.json");
  // A truncated copy of the real weights: the header promises more data than the file holds.
  auto bytes = testing::read_text_file(shared_dir() / "models/stories260K/model.safetensors");
  testing::write_text_file(dir / "model.safetensors", bytes.substr(0, bytes.size() / 2));
  auto result = run_cli("info --model " + quoted(dir.path().string()));
  EXPECT_FALSE(result.signaled);
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_CONTAINS(result.err, "model.safetensors: tensor");
  EXPECT_CONTAINS(result.err, "out of range");
}

}  // namespace
}  // namespace sentlens
