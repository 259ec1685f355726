// --tokenizer on every command that takes --model: a checkpoint folder without tokenizer files
// works with a tokenizer given apart, and gives what the complete folder gives.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "sentlens/trace/trace.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::quoted;
using ::sentlens::testing::run_cli;
using ::sentlens::testing::shared_dir;
using ::sentlens::testing::TempDir;
using ::sentlens::testing::write_text_file;

TEST(TokenizerOption, ACheckpointWithoutTokenizerFilesWorksWithOneGivenApart) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/tokenizer.model");
  TempDir dir;
  const auto full = shared_dir() / "models/stories260K";
  const auto bare = dir / "bare";
  std::filesystem::create_directory(bare);
  for (const char* file : {"config.json", "model.safetensors"})
    std::filesystem::copy_file(full / file, bare / file);
  const std::string text = (dir / "cot.txt").string();
  write_text_file(text,
                  "Once upon a time there was a cat. The cat liked to play in the sun. "
                  "One day it saw a big red ball. It ran to the ball and played.");
  const std::string tokenizer = quoted((full / "tokenizer.model").string());
  const std::string input = " --text-file " + quoted(text) + " --quiet";

  const auto missing = run_cli("trace --model " + quoted(bare.string()) + input + " --out " +
                               quoted((dir / "x.safetensors").string()));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("bare"), std::string::npos) << missing.err;

  const std::string given = (dir / "given.safetensors").string();
  const std::string own = (dir / "own.safetensors").string();
  ASSERT_EQ(run_cli("trace --model " + quoted(bare.string()) + " --tokenizer " + tokenizer + input +
                    " --out " + quoted(given))
                .exit_code,
            0);
  ASSERT_EQ(
      run_cli("trace --model " + quoted(full.string()) + input + " --out " + quoted(own)).exit_code,
      0);
  const Trace a = read_trace(given), b = read_trace(own);
  EXPECT_EQ(a.sentence_attention, b.sentence_attention);
  ASSERT_EQ(a.tokens.size(), b.tokens.size());
  for (std::size_t t = 0; t < a.tokens.size(); ++t) EXPECT_EQ(a.tokens[t].id, b.tokens[t].id);

  for (const std::string& command :
       {"analyze --model " + quoted(bare.string()) + " --tokenizer " + tokenizer + input +
            " --proximity-ignore 1 --top-k 2",
        "forward --model " + quoted(bare.string()) + " --tokenizer " + tokenizer +
            " --text 'Once' --out " + quoted((dir / "f.safetensors").string()),
        "calibrate --model " + quoted(bare.string()) + " --tokenizer " + tokenizer + input +
            " --heads 1:0",
        "suppress --model " + quoted(bare.string()) + " --tokenizer " + tokenizer + input,
        "tokens --attention x.safetensors --tokenizer " + tokenizer + " --model " +
            quoted(full.string())}) {
    const auto r = run_cli(command);
    if (command.rfind("tokens", 0) == 0) {
      EXPECT_EQ(r.exit_code, 2) << "--tokenizer excludes --model: " << r.err;
      continue;
    }
    EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.err;
  }
}

}  // namespace
}  // namespace sentlens
