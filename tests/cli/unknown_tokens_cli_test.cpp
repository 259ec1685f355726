// Text the tokenizer cannot represent: counted, shown and warned about by tokenize, trace and
// analyze (the bundled demo model's 256-piece vocabulary has no `x`, `²` or `→`).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "sentlens/tokenizer/unknown_tokens.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::quoted;
using ::sentlens::testing::run_cli;
using ::sentlens::testing::TempDir;
using ::sentlens::testing::write_text_file;

std::string demo_model() {
  return quoted((std::filesystem::path(SENTLENS_SOURCE_DIR) / "models/demo").string());
}

TEST(UnknownTokens, CountedWithTheirTexts) {
  Encoding encoding;
  const std::string text = "a x b x c →";
  encoding.tokens = {{1, "<s>", 0, 0, 0, 0, true}, {5, "a", 0, 1, 0, 1},
                     {0, "<unk>", 2, 3, 2, 3},     {6, "b", 4, 5, 4, 5},
                     {0, "<unk>", 6, 7, 6, 7},     {7, "c", 8, 9, 8, 9},
                     {0, "<unk>", 10, 13, 10, 11}};
  const UnknownTokens found = find_unknown_tokens(encoding, text);
  EXPECT_EQ(found.count, 3);
  EXPECT_EQ(found.examples, (std::vector<std::string>{"x", "→"})) << "distinct, in order";
  EXPECT_EQ(*unknown_tokens_warning(encoding, text),
            "3 of 7 tokens are unknown to the tokenizer (<unk>): 'x', '→', ...; the model sees "
            "one token for all of them");
  encoding.tokens.resize(2);
  EXPECT_FALSE(unknown_tokens_warning(encoding, text).has_value());
}

TEST(UnknownTokens, TokenizeTraceAndAnalyzeWarn) {
  TempDir dir;
  const std::string text = (dir / "cot.txt").string();
  write_text_file(text,
                  "<think>Let x be the speed. Then x = 12 and the time is 3. So the answer is "
                  "4. Let me check it once more. Yes, it is 4.</think>");
  const auto tokenize = run_cli("tokenize --model " + demo_model() + " --text 'Let x = 3'");
  ASSERT_EQ(tokenize.exit_code, 0) << tokenize.err;
  EXPECT_NE(tokenize.err.find("warning: 1 of 9 tokens"), std::string::npos) << tokenize.err;
  EXPECT_NE(tokenize.err.find("tokens are unknown to the tokenizer (<unk>): 'x'"),
            std::string::npos)
      << tokenize.err;

  const auto trace = run_cli("trace --model " + demo_model() + " --text-file " + quoted(text) +
                             " --quiet --json --out " + quoted((dir / "t.safetensors").string()));
  ASSERT_EQ(trace.exit_code, 0) << trace.err;
  const auto json = nlohmann::json::parse(trace.out);
  ASSERT_EQ(json["warnings"].size(), 1u) << json.dump();
  EXPECT_NE(json["warnings"][0].get<std::string>().find("unknown to the tokenizer (<unk>): 'x'"),
            std::string::npos);

  const auto analyze = run_cli("analyze --model " + demo_model() + " --text-file " + quoted(text) +
                               " --quiet --proximity-ignore 1 --top-k 2");
  ASSERT_EQ(analyze.exit_code, 0) << analyze.err;
  EXPECT_NE(analyze.out.find("warning: 2 of "), std::string::npos) << analyze.out;
}

}  // namespace
}  // namespace sentlens
