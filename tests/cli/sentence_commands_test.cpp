// `sentlens split`, `trace` and `receivers` end to end: the real binary on shared fixtures.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "sentlens/io/safetensors.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::shared_dir;
using ::sentlens::testing::TempDir;

struct Result {
  int code = 0;
  std::string out;
};

// Runs the CLI with stderr folded into the output.
Result run(const std::string& arguments) {
  Result result;
  const std::string command = std::string(SENTLENS_CLI_PATH) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) result.out += buffer;
  const int status = pclose(pipe);
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TEST(SentenceCommands, SplitReferenceJson) {
  SENTLENS_REQUIRE_SHARED_FILE("golden/thought-anchors/split/split_14.txt");
  const auto r = run("split --profile reference --json --text-file " +
                     (shared_dir() / "golden/thought-anchors/split/split_14.txt").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto json = nlohmann::json::parse(r.out);
  ASSERT_EQ(json["sentences"].size(), 3u);
  EXPECT_EQ(json["sentences"][2]["text"], "Fine. G");  // the original's truncation quirk
  EXPECT_EQ(json["sentences"][2]["char_start"], 50);
  const auto clean = run("split --text 'One sentence here. And a tail'");
  EXPECT_EQ(clean.code, 0);
  EXPECT_NE(clean.out.find("2 sentences (clean profile)"), std::string::npos) << clean.out;
  const auto single = run("split --text 'Just one sentence here.'");
  EXPECT_NE(single.out.find("1 sentence (clean profile)"), std::string::npos) << single.out;
  const auto bad = run("split --text x --profile exact");
  EXPECT_EQ(bad.code, 3);
  EXPECT_NE(bad.out.find("--profile: unknown profile 'exact'"), std::string::npos) << bad.out;
}

TEST(SentenceCommands, ReceiversOnImportedAttentionWritesOracleKeys) {
  const std::string input = "golden/thought-anchors/anchor/input.safetensors";
  SENTLENS_REQUIRE_SHARED_FILE(input);
  TempDir dir;
  const auto r =
      run("receivers --attention " + (shared_dir() / input).string() +
          " --profile reference --top-k 2 --json --out " + (dir / "o.safetensors").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["receiver_heads"][0]["layer"], 2);
  EXPECT_EQ(json["receiver_heads"][0]["head"], 1);
  EXPECT_EQ(json["receiver_heads"][1]["layer"], 3);
  EXPECT_EQ(json["receiver_heads"][1]["head"], 4);
  EXPECT_EQ(json["traces"][0]["broadcasting_sentences"][0], 4);
  const auto out = SafetensorsFile::open(dir / "o.safetensors");
  EXPECT_EQ(out->read_i64("receiver_heads"), (std::vector<std::int64_t>{2, 1, 3, 4}));
  const auto p =
      run("receivers --attention " + (shared_dir() / input).string() + " --proximity-ignore 20");
  EXPECT_EQ(p.code, 3);
  EXPECT_NE(p.out.find("all 20 sentences lie within --proximity-ignore 20"), std::string::npos)
      << p.out;
}

TEST(SentenceCommands, TraceThenReceivers) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  std::string text;
  for (int i = 0; i < 4; ++i) {
    text += "Once upon a time there was a cat. The cat liked to play in the sun. ";
    text += "One day it saw a big red ball! It ran to the ball and played all day. ";
  }
  ::sentlens::testing::write_text_file(dir / "story.txt", text);
  const std::string model = (shared_dir() / "models/stories260K").string();
  for (const char* profile : {"clean", "reference"}) {
    const std::string trace = (dir / (std::string(profile) + ".trace.safetensors")).string();
    const auto t = run("trace --model " + model + " --text-file " + (dir / "story.txt").string() +
                       " --profile " + profile + " --block-size 7 --json --quiet --out " + trace);
    ASSERT_EQ(t.code, 0) << t.out;
    const auto summary = nlohmann::json::parse(t.out);
    EXPECT_EQ(summary["sentences"], 16);
    EXPECT_EQ(summary["layers"], 5);
    const auto r = run("receivers " + trace + " " + trace + " --top-k 3 --json");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(nlohmann::json::parse(r.out)["receiver_heads"].size(), 3u);
  }
  const auto mixed =
      run("receivers " + (dir / "clean.trace.safetensors").string() + " --attention x.safetensors");
  EXPECT_NE(mixed.code, 0);
  // The pooling profile and the strict check apply to --attention maps only.
  const std::string clean_trace = (dir / "clean.trace.safetensors").string();
  EXPECT_EQ(run("receivers " + clean_trace + " --strict").code, 2);
  EXPECT_EQ(run("receivers " + clean_trace + " --profile reference").code, 2);

  // The automatic top-k scales with the model: stories260K has 5 x 8 = 40 heads, so 3 receiver
  // heads; 30 of them are most of the heads, which a warning says (stderr and --json).
  const auto automatic = run("receivers " + clean_trace + " --json");
  ASSERT_EQ(automatic.code, 0) << automatic.out;
  EXPECT_EQ(nlohmann::json::parse(automatic.out)["receiver_heads"].size(), 3u);
  const auto most = ::sentlens::testing::run_cli("receivers " + clean_trace + " --top-k 30 --json");
  ASSERT_EQ(most.exit_code, 0) << most.err;
  const std::string warning = "the 30 receiver heads (top-k 30) are 30 of the";
  EXPECT_NE(most.err.find(warning), std::string::npos) << most.err;
  EXPECT_NE(most.err.find("use a smaller --top-k"), std::string::npos) << most.err;
  bool in_json = false;
  const auto most_json = nlohmann::json::parse(most.out);
  for (const auto& w : most_json["warnings"]) {
    in_json = in_json || w.get<std::string>().find(warning) != std::string::npos;
  }
  EXPECT_TRUE(in_json) << most.out;
}

}  // namespace
}  // namespace sentlens
