// `sentlens calibrate --search`: the head search from the command line, held out or in-sample.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::quoted;
using ::sentlens::testing::run_cli;
using ::sentlens::testing::stories_model;
using ::sentlens::testing::TempDir;
using ::sentlens::testing::write_text_file;

TEST(CalibrateSearch, FindsHeadsAndCalibratesThem) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  std::string story, other;
  for (int i = 0; i < 3; ++i) {
    story += "Once upon a time there was a little girl named Lily. She loved to play outside. ";
    other += "Tom had a red ball. He threw it to his dog and the dog ran after it. ";
  }
  write_text_file(dir / "story.txt", story);
  write_text_file(dir / "other.txt", other);
  const std::string base = "calibrate --model " + stories_model() + " --text-file " +
                           quoted((dir / "story.txt").string()) +
                           " --search --search-layers 1-2 --search-heads 0-3";
  const auto held_out = run_cli(base + " --calibration-files " +
                                quoted((dir / "other.txt").string()) + " --json --quiet");
  ASSERT_EQ(held_out.exit_code, 0) << held_out.err;
  EXPECT_EQ(held_out.err, "");
  const auto json = nlohmann::json::parse(held_out.out);
  EXPECT_EQ(json["heads_source"], "--search (ACT's head search)");
  EXPECT_EQ(json["search"]["candidates"].size(), 8u);
  EXPECT_FALSE(json["search"]["in_sample"].get<bool>());
  EXPECT_EQ(json["sinks"].size(), json["search"]["selected"].size())
      << "the text is calibrated with the heads selected";

  const auto table = run_cli(base);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("head search over 8 candidate heads"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("(in-sample: the heads were searched on the text scored below"),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.err.find("head search: 9/"), std::string::npos) << "progress: " << table.err;

  const auto neither = run_cli("calibrate --model " + stories_model() + " --text-file " +
                               quoted((dir / "story.txt").string()));
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_NE(neither.err.find("--heads or --search"), std::string::npos) << neither.err;
  const auto both = run_cli(base + " --heads 0:1");
  EXPECT_EQ(both.exit_code, 2);
  const auto lonely =
      run_cli("calibrate --model " + stories_model() + " --text x --heads 0:1 --min-gain 0.1");
  EXPECT_EQ(lonely.exit_code, 2);
  EXPECT_NE(lonely.err.find("--min-gain requires --search"), std::string::npos) << lonely.err;
}

TEST(Progress, ForwardAndCalibrateShowEachLayerThroughAPipe) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  const std::string text = " --text 'Once upon a time there was a cat. The cat liked to play.'";
  const auto forward = run_cli("forward --model " + stories_model() + text + " --out " +
                               quoted((dir / "f.safetensors").string()));
  ASSERT_EQ(forward.exit_code, 0) << forward.err;
  EXPECT_NE(forward.err.find("loading "), std::string::npos) << forward.err;
  EXPECT_NE(forward.err.find("forward: layer 5/5"), std::string::npos) << forward.err;
  EXPECT_EQ(forward.err.find('\r'), std::string::npos) << "no redraw without a terminal";
  const auto calibrate = run_cli("calibrate --model " + stories_model() + text + " --heads 1:0");
  ASSERT_EQ(calibrate.exit_code, 0) << calibrate.err;
  EXPECT_NE(calibrate.err.find("plain forward: layer 5/5"), std::string::npos) << calibrate.err;
  EXPECT_NE(calibrate.err.find("calibrated forward: layer 5/5"), std::string::npos)
      << calibrate.err;
  const auto quiet =
      run_cli("calibrate --model " + stories_model() + text + " --heads 1:0 --quiet");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "");
}

TEST(Progress, RedrawnInPlaceOnATerminal) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  // `script` (util-linux, Essential in Debian) runs the command on a pseudo-terminal.
  if (std::system("command -v script > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "no `script` to give the command a terminal";
  }
  TempDir dir;
  const std::string inner = std::string(SENTLENS_CLI_PATH) + " forward --model " + stories_model() +
                            " --text 'Once upon a time' --out " +
                            quoted((dir / "f.safetensors").string());
  const std::string command = "script -qec " + quoted(inner) + " /dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string terminal;
  char buffer[4096];
  std::size_t count;
  while ((count = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) terminal.append(buffer, count);
  ASSERT_EQ(::pclose(pipe), 0) << terminal;
  // Each line redraws the previous one in place, and the last is cleared before the summary.
  EXPECT_NE(terminal.find("\r\033[Kforward: layer 5/5"), std::string::npos) << terminal;
  const auto first = terminal.find("forward: layer 1/5");
  const auto last = terminal.find("forward: layer 5/5");
  ASSERT_NE(first, std::string::npos) << terminal;
  ASSERT_NE(last, std::string::npos) << terminal;
  EXPECT_EQ(terminal.substr(first, last - first).find('\n'), std::string::npos)
      << "one line, redrawn: " << terminal;
}

}  // namespace
}  // namespace sentlens
