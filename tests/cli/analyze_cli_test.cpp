// `sentlens analyze` end to end: the real binary on stories260K and on the bundled demo model.
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
using ::sentlens::testing::read_text_file;
using ::sentlens::testing::run_cli;
using ::sentlens::testing::stories_model;
using ::sentlens::testing::TempDir;
using ::sentlens::testing::write_text_file;

std::string story_text() {
  std::string text = "Tell me a story.\nAnswer: ";
  for (int i = 0; i < 3; ++i) {
    text += "Once upon a time there was a cat. The cat liked to play in the sun. ";
    text += "One day it saw a big red ball! It ran to the ball and played all day. ";
  }
  return text;
}

TEST(AnalyzeCli, OnePassGivesEveryMetricTheTraceAndTheReport) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  write_text_file(dir / "story.txt", story_text());
  const std::string trace = (dir / "t.safetensors").string();
  const std::string html = (dir / "r.html").string();
  const auto r = run_cli("analyze --model " + stories_model() + " --text-file " +
                         quoted((dir / "story.txt").string()) +
                         " --response-start 'Answer: ' --top-k 5 --top 3 --suppress --out " +
                         quoted(trace) + " --report " + quoted(html) + " --json --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // --quiet
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["sentences"], 12);  // the prompt is in no sentence
  EXPECT_EQ(json["layers"], 5);
  EXPECT_EQ(json["receiver_heads"].size(), 5u);
  EXPECT_EQ(json["broadcasting_sentences"].size(), 3u);
  EXPECT_EQ(json["sentence_list"][0]["text"], "Once upon a time there was a cat. ");
  // The token rhythm's response starts where the sentences start.
  EXPECT_EQ(json["response_start"], json["sentence_list"][0]["token_start"]);
  EXPECT_TRUE(json["sinks"].is_array());
  EXPECT_EQ(json["suppression"]["kl_matrix"].size(), 12u);
  EXPECT_EQ(json["report"]["path"], html);
  EXPECT_TRUE(std::filesystem::exists(trace));
  // The trace records where the prompt ends ("Tell me a story.\nAnswer: " is 25 code points).
  EXPECT_EQ(read_trace(trace).parameters.response_char_start, 25);
  EXPECT_NE(read_text_file(html).find("id=\"sentlens-data\""), std::string::npos);

  // The trace re-analyses without the model and gives the same receiver heads.
  const auto again = run_cli("receivers " + quoted(trace) + " --top-k 5 --json");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto receivers = nlohmann::json::parse(again.out);
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_EQ(receivers["receiver_heads"][k]["layer"], json["receiver_heads"][k]["layer"]);
    EXPECT_EQ(receivers["receiver_heads"][k]["head"], json["receiver_heads"][k]["head"]);
  }

  // The table names the sections and the broadcasting sentences with their text.
  const auto table = run_cli("analyze --model " + stories_model() + " --text-file " +
                             quoted((dir / "story.txt").string()) + " --top-k 5 --quiet");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("Top broadcasting sentences"), std::string::npos) << table.out;
  EXPECT_NE(
      table.out.find("Receiver heads: 5 of the model's 40 heads (top kurtosis of this trace)"),
      std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("Sinks (ACT score > 0.1)"), std::string::npos) << table.out;
}

TEST(AnalyzeCli, ReadsThoughtAnchorsJsonWithChunksAndReusesReceiverHeads) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  nlohmann::json input{{"full_cot",
                        "The sun was up. Tom went out to play with his dog. They ran "
                        "and ran.  The dog was happy. Tom was happy too."},
                       {"chunks",
                        {"The sun was up. Tom went out to play with his dog.", "They ran and ran.",
                         "The dog was happy.", "Tom was happy too."}}};
  write_text_file(dir / "cot.json", input.dump());
  write_text_file(dir / "heads.json", R"({"receiver_heads": [[4, 1], {"layer": 2, "head": 3}]})");
  const auto r =
      run_cli("analyze --model " + stories_model() + " --json-trace " +
              quoted((dir / "cot.json").string()) + " --proximity-ignore 1 " + "--receiver-heads " +
              quoted((dir / "heads.json").string()) + " --json --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  ASSERT_EQ(json["sentences"], 4);
  EXPECT_EQ(json["sentence_list"][1]["text"], "They ran and ran.  ");
  ASSERT_EQ(json["receiver_heads"].size(), 2u);
  EXPECT_EQ(json["receiver_heads"][0]["layer"], 4);
  EXPECT_EQ(json["receiver_heads"][1]["head"], 3);
}

TEST(AnalyzeCli, BadInputEndsWithADocumentedExitCode) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  write_text_file(dir / "story.txt", story_text());
  const std::string base = "analyze --quiet --model " + stories_model() + " --text-file " +
                           quoted((dir / "story.txt").string());
  auto r = run_cli(base + " --response-start 'Question:'");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("the marker 'Question:' does not occur in the text"), std::string::npos)
      << r.err;
  r = run_cli(base + " --prompt-chars 3 --response-start 'Answer: '");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  write_text_file(dir / "bad.json", R"({"text": "One. Two.", "chunks": ["Three."]})");
  r = run_cli("analyze --quiet --model " + stories_model() + " --json-trace " +
              quoted((dir / "bad.json").string()));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("chunk 0 ('Three.') does not occur in the text"), std::string::npos)
      << r.err;
  write_text_file(dir / "none.json", R"({"answer": 3})");
  r = run_cli("analyze --quiet --model " + stories_model() + " --json-trace " +
              quoted((dir / "none.json").string()));
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("no `text`, `full_cot` or `source_text` string field"), std::string::npos)
      << r.err;
  r = run_cli("analyze --quiet --model " + stories_model() + " --text ''");
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

TEST(AnalyzeCli, RunsOnTheBundledDemoModelWithNoArguments) {
  const auto r = run_cli("analyze --quiet --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_NE(json["model"].get<std::string>().find("models/demo"), std::string::npos);
  EXPECT_GE(json["sentences"].get<int>(), 4);
  EXPECT_EQ(json["receiver_heads"].size(), 4u);  // the demo's settings (models/demo/README.md)
  const auto help = run_cli("analyze --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* option :
       {"--model", "--demo", "--json-trace", "--prompt-chars", "--response-start",
        "--receiver-heads", "--suppress", "--report", "--out", "--json", "--quiet"}) {
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
  }
}

TEST(AnalyzeCli, AllowLongerRunsPastMaxPositionEmbeddings) {
  // Three demo traces in a row: about 300 tokens, past the demo model's 256 positions.
  const std::filesystem::path source = SENTLENS_SOURCE_DIR;
  const std::string model = quoted((source / "models/demo").string());
  const std::string demo = read_text_file(source / "examples/traces/demo_1.txt");
  TempDir dir;
  write_text_file(dir / "long.txt", demo + " " + demo + " " + demo);
  const std::string text = " --text-file " + quoted((dir / "long.txt").string());
  const std::string out = " --out " + quoted((dir / "long.safetensors").string());
  auto r = run_cli("trace --model " + model + text + out);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("exceed max_position_embeddings 256"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("; --allow-longer runs past it, with positions the model never saw"),
            std::string::npos)
      << r.err;
  r = run_cli("trace --allow-longer --json --model " + model + text + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(nlohmann::json::parse(r.out)["tokens"].get<int>(), 256);
  EXPECT_EQ(run_cli("analyze --quiet --demo" + text).exit_code, 3);
  r = run_cli("analyze --quiet --demo --allow-longer --suppress --json" + text);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(nlohmann::json::parse(r.out)["tokens"].get<int>(), 256);
  EXPECT_EQ(run_cli("suppress --quiet --model " + model + text).exit_code, 3);
  EXPECT_EQ(run_cli("suppress --quiet --allow-longer --model " + model + text).exit_code, 0);
}

}  // namespace
}  // namespace sentlens
