// `sentlens trace` with the token rhythm, then `tokens`, `sinks` and `calibrate`: the real binary
// on stories260K.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::shared_dir;
using ::sentlens::testing::TempDir;

struct Result {
  int code = 0;
  std::string out;
};

Result run(const std::string& arguments) {  // stdout only; stderr goes to the test's log
  Result result;
  const std::string command = std::string(SENTLENS_CLI_PATH) + " " + arguments;
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) result.out += buffer;
  const int status = pclose(pipe);
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TEST(TokenCommands, TraceTokensSinksCalibrate) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  std::string text = "Tell a story. <think>\n";
  for (int i = 0; i < 3; ++i) {
    text += "Once upon a time there was a cat. The cat liked to play in the sun. ";
    text += "One day it saw a big red ball! It ran to the ball and played all day.\n";
  }
  text += "</think> The end.";
  ::sentlens::testing::write_text_file(dir / "story.txt", text);
  const std::string model = (shared_dir() / "models/stories260K").string();
  const std::string trace = (dir / "t.safetensors").string();
  const auto t = run("trace --model " + model + " --text-file " + (dir / "story.txt").string() +
                     " --response-start -1 --window 5 --horizon-lo 2 --horizon-hi 20 --entropy "
                     "--block-size 7 --json --out " +
                     trace);
  ASSERT_EQ(t.code, 0) << t.out;

  const auto tokens = run("tokens " + trace + " --json --middle-third");
  ASSERT_EQ(tokens.code, 0) << tokens.out;
  const auto json = nlohmann::json::parse(tokens.out);
  EXPECT_GT(json["parameters"]["response_start"].get<int>(), 0);
  EXPECT_EQ(json["parameters"]["window"], 5);
  ASSERT_FALSE(json["tokens"].empty());
  const auto& first = json["tokens"][0];
  EXPECT_TRUE(first.contains("gamma"));
  EXPECT_TRUE(first.contains("entropy"));
  const auto text_out = run("tokens " + trace + " --top 3");
  ASSERT_EQ(text_out.code, 0);
  EXPECT_NE(text_out.out.find("top anchor tokens"), std::string::npos);

  const auto sinks = run("sinks " + trace + " --json");
  ASSERT_EQ(sinks.code, 0) << sinks.out;
  EXPECT_EQ(nlohmann::json::parse(sinks.out)["heads"].size(), 5u * 8u);

  const auto calibrate = run("calibrate --model " + model + " --text-file " +
                             (dir / "story.txt").string() + " --heads 1:0,2:3 --json");
  ASSERT_EQ(calibrate.code, 0) << calibrate.out;
  const auto c = nlohmann::json::parse(calibrate.out);
  EXPECT_GT(c["perplexity_plain"].get<double>(), 1.0);
  EXPECT_EQ(c["sinks"].size(), 2u);
  EXPECT_EQ(run("calibrate --model " + model + " --text x --heads 99:0").code, 3);
  EXPECT_EQ(run("calibrate --model " + model + " --text x --heads 1").code, 3);

  // A trace without the token rhythm is an input error for `tokens`.
  const std::string plain = (dir / "plain.safetensors").string();
  ASSERT_EQ(run("trace --model " + model + " --text-file " + (dir / "story.txt").string() +
                " --no-token-rhythm --out " + plain)
                .code,
            0);
  EXPECT_EQ(run("tokens " + plain).code, 3);
}

}  // namespace
}  // namespace sentlens
