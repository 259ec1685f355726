// One trace, one answer: `trace` + `tokens` equal `analyze` on the same text, and `report` /
// `export-ta` on an analysed trace reuse the options and receiver heads that `analyze` recorded.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "sentlens/trace/trace.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::quoted;
using ::sentlens::testing::read_text_file;
using ::sentlens::testing::run_cli;
using ::sentlens::testing::stories_model;
using ::sentlens::testing::TempDir;
using ::sentlens::testing::write_text_file;

// A prompt before <think>: `trace` once counted it as response for the token rhythm while
// `analyze` started at the first sentence.
std::string think_text() {
  std::string text = "Tell me a story about a cat and a ball.<think>";
  for (int i = 0; i < 3; ++i) {
    text += "Once upon a time there was a cat. The cat liked to play in the sun. ";
    text += "One day it saw a big red ball! It ran to the ball and played all day. ";
  }
  return text + "</think>The end.";
}

// Equal element by element, NaN equal to NaN (WAAD is NaN over the prompt).
bool same_values(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!(a[i] == b[i]) && !(std::isnan(a[i]) && std::isnan(b[i]))) return false;
  }
  return true;
}

std::vector<std::int64_t> positions(const nlohmann::json& list) {
  std::vector<std::int64_t> out;
  for (const auto& item : list) out.push_back(item.is_object() ? item["position"] : item);
  return out;
}

TEST(OneAnswer, TraceThenTokensEqualsAnalyze) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  write_text_file(dir / "cot.txt", think_text());
  const std::string input = " --model " + stories_model() + " --text-file " +
                            quoted((dir / "cot.txt").string()) + " --quiet";
  const std::string analysed = (dir / "a.safetensors").string();
  const std::string traced = (dir / "t.safetensors").string();
  const auto analyze = run_cli("analyze" + input + " --json --out " + quoted(analysed));
  ASSERT_EQ(analyze.exit_code, 0) << analyze.err;
  const auto trace = run_cli("trace" + input + " --out " + quoted(traced));
  ASSERT_EQ(trace.exit_code, 0) << trace.err;

  const Trace a = read_trace(analysed), t = read_trace(traced);
  ASSERT_EQ(t.num_sentences(), a.num_sentences());
  EXPECT_EQ(t.sentences[0].char_start, a.sentences[0].char_start);
  // The prompt before <think> is the token rhythm's prompt in both.
  EXPECT_EQ(t.rhythm.options.response_start, t.sentence_tokens[0].start);
  EXPECT_EQ(t.rhythm.options.response_start, a.rhythm.options.response_start);
  EXPECT_TRUE(same_values(t.rhythm.waad, a.rhythm.waad));
  EXPECT_TRUE(same_values(t.rhythm.fai, a.rhythm.fai));
  EXPECT_TRUE(same_values(t.rhythm.key_attention, a.rhythm.key_attention));
  EXPECT_FALSE(t.analysis.has_value()) << "trace only captures";
  EXPECT_TRUE(a.analysis.has_value()) << "analyze records how it analysed";

  const auto json = nlohmann::json::parse(analyze.out);
  const auto tokens = run_cli("tokens " + quoted(traced) + " --top 100000 --json");
  ASSERT_EQ(tokens.exit_code, 0) << tokens.err;
  const auto token_json = nlohmann::json::parse(tokens.out);
  EXPECT_EQ(token_json["parameters"]["response_start"], json["response_start"]);
  ASSERT_FALSE(json["preplan_tokens"].empty());
  ASSERT_FALSE(json["anchor_tokens"].empty());
  // The same tokens in the same order: preplan by Δ, anchors by FAI.
  EXPECT_EQ(positions(token_json["top_preplan"]), positions(json["preplan_tokens"]));
  EXPECT_EQ(positions(token_json["top_anchor"]), positions(json["anchor_tokens"]));
  // And `tokens` on the analysed trace says the same as on the captured one.
  const auto again = run_cli("tokens " + quoted(analysed) + " --top 100000 --json");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto same = nlohmann::json::parse(again.out);
  same["trace"] = token_json["trace"];
  EXPECT_EQ(same, token_json);
}

TEST(OneAnswer, TraceTakesTheUsersOwnSentencesAsAnalyzeDoes) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  const nlohmann::json input{
      {"full_cot", "The sun was up. Tom went out to play. They ran and ran."},
      {"chunks", {"The sun was up. Tom went out to play.", "They ran and ran."}}};
  write_text_file(dir / "cot.json", input.dump());
  const std::string out = (dir / "t.safetensors").string();
  const auto r = run_cli("trace --model " + stories_model() + " --json-trace " +
                         quoted((dir / "cot.json").string()) + " --quiet --out " + quoted(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 sentences"), std::string::npos) << r.out;
  const Trace trace = read_trace(out);
  ASSERT_EQ(trace.num_sentences(), 2);
  EXPECT_EQ(trace.sentences[1].char_start, 38);
  EXPECT_EQ(trace.library_version, read_trace(out).library_version);
  EXPECT_NE(trace.library_version, "");
  // `suppress` takes the same file and the same sentences, here from standard input.
  const auto suppress =
      run_cli("suppress --model " + stories_model() + " --json-trace - --quiet --json < " +
              quoted((dir / "cot.json").string()));
  ASSERT_EQ(suppress.exit_code, 0) << suppress.err;
  EXPECT_EQ(nlohmann::json::parse(suppress.out)["kl_matrix"].size(), 2u) << suppress.out;
  // Without --quiet, through a pipe: one progress line per step on stderr.
  const auto loud = run_cli("trace --model " + stories_model() + " --json-trace " +
                            quoted((dir / "cot.json").string()) + " --out " + quoted(out));
  ASSERT_EQ(loud.exit_code, 0) << loud.err;
  EXPECT_NE(loud.err.find("loading "), std::string::npos) << loud.err;
  EXPECT_NE(loud.err.find("forward: layer 5/5"), std::string::npos) << loud.err;
  const auto both = run_cli("trace --model " + stories_model() + " --json-trace " +
                            quoted((dir / "cot.json").string()) + " --text x --out " + quoted(out));
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("excludes"), std::string::npos) << both.err;
}

TEST(OneAnswer, ReportAndExportReuseTheRecordedAnalysis) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  write_text_file(dir / "cot.txt", think_text());
  const std::string input = " --model " + stories_model() + " --text-file " +
                            quoted((dir / "cot.txt").string()) + " --quiet --json";
  auto heads_of = [](const nlohmann::json& list) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    for (const auto& item : list) out.emplace_back(item["layer"], item["head"]);
    return out;
  };

  // Top-k 5 and proximity 1 (not the defaults 3 and 4 for 5 x 8 heads): report repeats them.
  const std::string topk = (dir / "topk.safetensors").string();
  const auto analyze = run_cli("analyze" + input + " --top-k 5 --proximity-ignore 1 --out " +
                               quoted(topk) + " --sink-threshold 0.2");
  ASSERT_EQ(analyze.exit_code, 0) << analyze.err;
  const auto analysed = nlohmann::json::parse(analyze.out);
  ASSERT_EQ(analysed["receiver_heads"].size(), 5u);
  const auto report =
      run_cli("report " + quoted(topk) + " -o " + quoted((dir / "r.html").string()) + " --json");
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const auto reported = nlohmann::json::parse(report.out);
  EXPECT_EQ(heads_of(reported["receiver_heads"]), heads_of(analysed["receiver_heads"]));
  EXPECT_EQ(reported["broadcasting_sentences"], analysed["broadcasting_sentences"]);
  EXPECT_EQ(reported["sinks"], analysed["sinks"].size()) << "the recorded τ = 0.2";
  const std::string html = read_text_file(dir / "r.html");
  EXPECT_NE(html.find("\"proximity_ignore\":1"), std::string::npos);
  // An option given on the command line wins over the record.
  const auto two = run_cli("report " + quoted(topk) + " -o " + quoted((dir / "r2.html").string()) +
                           " --json --top-k 2");
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(nlohmann::json::parse(two.out)["receiver_heads"].size(), 2u);

  // Heads from a file (the `receivers --json` format): recorded with their source and reused.
  write_text_file(dir / "heads.json", R"({"receiver_heads": [[4, 1], {"layer": 2, "head": 3}]})");
  const std::string heads = (dir / "heads.json").string();
  const std::string from_file = (dir / "file.safetensors").string();
  const auto with_file = run_cli("analyze" + input + " --proximity-ignore 1 --receiver-heads " +
                                 quoted(heads) + " --out " + quoted(from_file));
  ASSERT_EQ(with_file.exit_code, 0) << with_file.err;
  const std::vector<std::pair<std::int64_t, std::int64_t>> expected = {{4, 1}, {2, 3}};
  EXPECT_EQ(heads_of(nlohmann::json::parse(with_file.out)["receiver_heads"]), expected);
  const auto rereport = run_cli("report " + quoted(from_file) + " -o " +
                                quoted((dir / "r3.html").string()) + " --json");
  ASSERT_EQ(rereport.exit_code, 0) << rereport.err;
  const auto rereported = nlohmann::json::parse(rereport.out);
  EXPECT_EQ(heads_of(rereported["receiver_heads"]), expected);
  EXPECT_EQ(rereported["receiver_heads_from"], heads);
  const auto exported =
      run_cli("export-ta " + quoted(from_file) + " " + quoted((dir / "ta").string()) + " --json");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(heads_of(nlohmann::json::parse(exported.out)["receiver_heads"]), expected);
  const auto summary = nlohmann::json::parse(read_text_file(dir / "ta" / "summary.json"));
  EXPECT_EQ(summary["receiver_options"]["heads_source"], heads);

  // `report --receiver-heads` takes the same file as `analyze` does, on any trace.
  const auto given =
      run_cli("report " + quoted(topk) + " -o " + quoted((dir / "r4.html").string()) +
              " --json --receiver-heads " + quoted(heads));
  ASSERT_EQ(given.exit_code, 0) << given.err;
  EXPECT_EQ(heads_of(nlohmann::json::parse(given.out)["receiver_heads"]), expected);
  const auto bad = run_cli("report " + quoted(topk) + " -o " + quoted((dir / "r5.html").string()) +
                           " --receiver-heads " + quoted((dir / "missing.json").string()));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("missing.json"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "r5.html"));
}

TEST(OneAnswer, SinksSkipKeysWithTooFewRowsUnlessAskedForAct) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  write_text_file(dir / "cot.txt", think_text());
  const std::string traced = (dir / "t.safetensors").string();
  ASSERT_EQ(run_cli("trace --model " + stories_model() + " --text-file " +
                    quoted((dir / "cot.txt").string()) + " --quiet --out " + quoted(traced))
                .exit_code,
            0);
  const std::int64_t tokens = read_trace(traced).num_tokens();
  auto last_position = [](const nlohmann::json& json) {
    std::int64_t last = -1;
    for (const auto& sink : json["sinks"]) last = std::max<std::int64_t>(last, sink["position"]);
    return last;
  };
  const auto act = run_cli("sinks " + quoted(traced) + " --min-rows 1 --json");
  ASSERT_EQ(act.exit_code, 0) << act.err;
  const auto act_json = nlohmann::json::parse(act.out);
  EXPECT_EQ(act_json["min_rows"], 1);
  EXPECT_GE(last_position(act_json), tokens - 16) << "ACT's formula finds sinks at the very end";
  const auto clean = run_cli("sinks " + quoted(traced) + " --json");
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  const auto clean_json = nlohmann::json::parse(clean.out);
  EXPECT_EQ(clean_json["min_rows"], 16);
  EXPECT_LT(last_position(clean_json), tokens - 15) << "no key with fewer than 16 rows";
  EXPECT_LT(clean_json["sinks"].size(), act_json["sinks"].size());
  const auto text = run_cli("sinks " + quoted(traced));
  EXPECT_NE(text.out.find("keys with at least 16 query rows"), std::string::npos) << text.out;
  const auto zero = run_cli("sinks " + quoted(traced) + " --min-rows 0");
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_NE(zero.err.find("--min-rows"), std::string::npos) << zero.err;
}

}  // namespace
}  // namespace sentlens
