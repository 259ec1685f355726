// `sentlens report` and `sentlens export-ta` end to end: the real binary on a stories260K trace.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::quoted;
using ::sentlens::testing::read_text_file;
using ::sentlens::testing::run_cli;
using ::sentlens::testing::shared_dir;
using ::sentlens::testing::TempDir;

// A stories260K trace of 16 sentences in `dir`.
std::string make_trace(const TempDir& dir) {
  std::string text;
  for (int i = 0; i < 4; ++i) {
    text += "Once upon a time there was a cat. The cat liked to play in the sun. ";
    text += "One day it saw a big red ball! It ran to the ball and played all day. ";
  }
  ::sentlens::testing::write_text_file(dir / "story.txt", text);
  const std::string trace = (dir / "story.trace.safetensors").string();
  const auto r =
      run_cli("trace --model " + quoted((shared_dir() / "models/stories260K").string()) +
              " --text-file " + quoted((dir / "story.txt").string()) + " --out " + quoted(trace));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return trace;
}

TEST(ReportCli, WritesASelfContainedReport) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  const std::string trace = make_trace(dir);
  const std::string html = (dir / "r.html").string();
  const auto r = run_cli("report " + quoted(trace) + " -o " + quoted(html) + " --top-k 5 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["report"], html);
  EXPECT_EQ(json["sentences"], 16);
  EXPECT_EQ(json["layers"], 5);
  EXPECT_EQ(json["receiver_heads"].size(), 5u);
  EXPECT_EQ(json["head_matrices_embedded"], 40);  // 5 x 8 heads, all exact at this size
  EXPECT_EQ(json["suppression"], false);
  EXPECT_GT(json["token_points"].get<int>(), 50);
  const std::string page = read_text_file(html);
  EXPECT_EQ(json["bytes"], page.size());
  EXPECT_NE(page.find("id=\"sentlens-data\""), std::string::npos);
  EXPECT_EQ(page.find("https:"), std::string::npos);

  // The plain output names the file and its size.
  const auto plain = run_cli("report " + quoted(trace) + " --out " + quoted(html));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out.find("wrote " + html + " ("), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("16 sentences"), std::string::npos) << plain.out;
}

TEST(ReportCli, ErrorsAndHelp) {
  const auto help = run_cli("report --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* option :
       {"--out", "--top-k", "--proximity-ignore", "--exclude-layers", "--sink-threshold",
        "--max-token-points", "--head-budget-mb", "--title", "--json"}) {
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
  }
  TempDir dir;
  const auto missing = run_cli("report " + quoted((dir / "none.safetensors").string()) + " -o " +
                               quoted((dir / "r.html").string()));
  EXPECT_FALSE(missing.signaled);
  EXPECT_EQ(missing.exit_code, 5) << missing.err;
  EXPECT_NE(missing.err.find("none.safetensors"), std::string::npos) << missing.err;
  ::sentlens::testing::write_text_file(dir / "bad.safetensors", "not a trace");
  const auto bad = run_cli("report " + quoted((dir / "bad.safetensors").string()) + " -o " +
                           quoted((dir / "r.html").string()));
  EXPECT_EQ(bad.exit_code, 4) << bad.err;
  const auto no_out = run_cli("report " + quoted((dir / "bad.safetensors").string()));
  EXPECT_EQ(no_out.exit_code, 2);
  const auto bad_k = run_cli("report x -o y --top-k -1");
  EXPECT_EQ(bad_k.exit_code, 2);
}

TEST(ReportCli, UnwritableOutputIsAnIoError) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  const std::string trace = make_trace(dir);
  const auto r = run_cli("report " + quoted(trace) + " -o " +
                         quoted((dir / "no" / "such" / "r.html").string()));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("no/such/r.html"), std::string::npos) << r.err;
}

TEST(ExportTaCli, WritesTheThoughtAnchorsLayout) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  const std::string trace = make_trace(dir);
  const auto out = dir / "ta";
  const auto r =
      run_cli("export-ta " + quoted(trace) + " " + quoted(out.string()) + " --top-k 3 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["files"].size(), 2u);  // no suppression matrix in this trace
  EXPECT_EQ(json["suppression"], false);
  EXPECT_EQ(json["receiver_heads"].size(), 3u);
  const auto chunks = nlohmann::json::parse(read_text_file(out / "chunks.json"));
  EXPECT_EQ(chunks["chunks"].size(), 16u);
  EXPECT_EQ(chunks["chunks"][0], "Once upon a time there was a cat.");
  const auto summary = nlohmann::json::parse(read_text_file(out / "summary.json"));
  EXPECT_EQ(summary["num_sentences"], 16);
  EXPECT_EQ(summary["receiver_heads"].size(), 3u);
  EXPECT_EQ(summary["chunks"].size(), 16u);

  // With a suppression matrix, step_importance_supp.json too.
  const auto s =
      run_cli("suppress --model " + quoted((shared_dir() / "models/stories260K").string()) +
              " --trace " + quoted(trace) + " --quiet");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const auto again = run_cli("export-ta " + quoted(trace) + " " + quoted(out.string()));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("step_importance_supp.json"), std::string::npos) << again.out;
  const auto supp = nlohmann::json::parse(read_text_file(out / "step_importance_supp.json"));
  ASSERT_EQ(supp.size(), 16u);
  EXPECT_EQ(supp[0]["target_impacts"].size(), 15u);
  EXPECT_TRUE(supp[0]["target_impacts"][0]["importance_score"].is_number());

  const auto help = run_cli("export-ta --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--top-k"), std::string::npos);
  const auto missing =
      run_cli("export-ta " + quoted((dir / "none").string()) + " " + quoted(out.string()));
  EXPECT_EQ(missing.exit_code, 5) << missing.err;
}

}  // namespace
}  // namespace sentlens
