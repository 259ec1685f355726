// `sentlens calibrate --search`: the head search from the command line, held out or in-sample.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::quoted;
using ::sentlens::testing::run_cli;
using ::sentlens::testing::shared_dir;
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
  const std::string base = "calibrate --model " +
                           quoted((shared_dir() / "models/stories260K").string()) +
                           " --text-file " + quoted((dir / "story.txt").string()) +
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

  const auto neither =
      run_cli("calibrate --model " + quoted((shared_dir() / "models/stories260K").string()) +
              " --text-file " + quoted((dir / "story.txt").string()));
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_NE(neither.err.find("--heads or --search"), std::string::npos) << neither.err;
  const auto both = run_cli(base + " --heads 0:1");
  EXPECT_EQ(both.exit_code, 2);
  const auto lonely =
      run_cli("calibrate --model " + quoted((shared_dir() / "models/stories260K").string()) +
              " --text x --heads 0:1 --min-gain 0.1");
  EXPECT_EQ(lonely.exit_code, 2);
  EXPECT_NE(lonely.err.find("--min-gain requires --search"), std::string::npos) << lonely.err;
}

}  // namespace
}  // namespace sentlens
