// `sentlens trace` with the token rhythm, then `tokens`, `sinks` and `calibrate`: the real binary
// on stories260K.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "sentlens/io/safetensors.h"
#include "sentlens/trace/trace.h"
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
                     " --response-token -1 --window 5 --horizon-lo 2 --horizon-hi 20 --entropy "
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
  // --top also bounds the JSON's top lists: the largest Δ and FAI first, as token positions.
  const auto top_json = nlohmann::json::parse(run("tokens " + trace + " --json --top 3").out);
  ASSERT_EQ(top_json["top_anchor"].size(), 3u);
  ASSERT_EQ(top_json["top_preplan"].size(), 3u);
  const auto response_start = top_json["parameters"]["response_start"].get<std::size_t>();
  auto fai_at = [&](std::size_t position) {
    return top_json["tokens"][position - response_start]["fai"].get<double>();
  };
  EXPECT_GE(fai_at(top_json["top_anchor"][0]), fai_at(top_json["top_anchor"][2]));
  for (const auto& token : top_json["tokens"]) {
    if (!token["fai"].is_null())
      EXPECT_LE(token["fai"].get<double>(), fai_at(top_json["top_anchor"][0]));
  }
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
  // Token-rhythm settings without the token rhythm are a usage error, not silently ignored.
  for (const char* option : {"--window 5", "--horizon-hi 9", "--entropy", "--response-token 3"}) {
    EXPECT_EQ(run("trace --model " + model + " --text-file " + (dir / "story.txt").string() +
                  " --no-token-rhythm " + option + " --out " + plain)
                  .code,
              2)
        << option;
  }
}

// `trace` takes the prompt as `analyze` does: --response-start is the marker that ends it (the
// token index of the rhythm's prompt is --response-token).
TEST(TokenCommands, TraceKeepsThePromptOutOfTheSentences) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  const std::string text =
      "Tell a story about a cat. Story: Once upon a time there was a cat. The cat liked to play "
      "in the sun. It ran home.";
  ::sentlens::testing::write_text_file(dir / "story.txt", text);
  const std::string base = "trace --model " + (shared_dir() / "models/stories260K").string() +
                           " --text-file " + (dir / "story.txt").string();
  const auto out = dir / "t.safetensors";
  ASSERT_EQ(run(base + " --response-start 'Story: ' --out " + out.string()).code, 0);
  const Trace marked = read_trace(out);
  ASSERT_EQ(marked.num_sentences(), 3);
  EXPECT_EQ(marked.sentences[0].char_start, 33);         // right after "Story: "
  EXPECT_EQ(marked.parameters.response_char_start, 33);  // recorded in the trace
  // The prompt is also the token rhythm's prompt: the response starts at the first sentence.
  EXPECT_EQ(marked.rhythm.options.response_start, marked.sentence_tokens[0].start);

  ASSERT_EQ(run(base + " --prompt-chars 33 --response-token 2 --out " + out.string()).code, 0);
  const Trace counted = read_trace(out);
  ASSERT_EQ(counted.num_sentences(), 3);
  EXPECT_EQ(counted.sentences[0].char_start, 33);
  EXPECT_EQ(counted.rhythm.options.response_start, 2);

  ASSERT_EQ(run(base + " --prompt-chars 33 --response-token 0 --out " + out.string()).code, 0);
  EXPECT_EQ(read_trace(out).rhythm.options.response_start, 0) << "an explicit value is kept";

  ASSERT_EQ(run(base + " --out " + out.string()).code, 0);
  const Trace whole = read_trace(out);
  EXPECT_EQ(whole.num_sentences(), 4) << "without a prompt the whole text is split";
  EXPECT_EQ(whole.parameters.response_char_start, 0);
  // The default, as in `analyze`: the first sentence's first token (after the BOS).
  EXPECT_EQ(whole.rhythm.options.response_start, whole.sentence_tokens[0].start);
  EXPECT_EQ(whole.rhythm.options.response_start, 1);
  EXPECT_EQ(run(base + " --prompt-chars 3 --response-start 'Story: ' --out " + out.string()).code,
            2);
  EXPECT_EQ(run(base + " --response-start 'Question: ' --out " + out.string()).code, 3)
      << "a marker absent from the text";
}

// Every number of two JSON documents within `tolerance` (relative above 1), everything else equal.
void expect_json_near(const nlohmann::json& a, const nlohmann::json& b, const std::string& where,
                      double tolerance = 1e-5) {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    EXPECT_LE(std::abs(x - y), tolerance * std::max(1.0, std::abs(y))) << where;
    return;
  }
  ASSERT_EQ(a.type(), b.type()) << where;
  if (a.is_object()) {
    ASSERT_EQ(a.size(), b.size()) << where;
    for (auto it = a.begin(); it != a.end(); ++it) {
      ASSERT_TRUE(b.contains(it.key())) << where << "." << it.key();
      expect_json_near(it.value(), b[it.key()], where + "." + it.key(), tolerance);
    }
  } else if (a.is_array()) {
    ASSERT_EQ(a.size(), b.size()) << where;
    for (std::size_t i = 0; i < a.size(); ++i) {
      expect_json_near(a[i], b[i], where + "[" + std::to_string(i) + "]", tolerance);
    }
  } else {
    EXPECT_EQ(a, b) << where;
  }
}

// `tokens --attention` and `sinks --attention` on the map `forward --attention` dumped equal the
// same commands on a trace of the same text.
TEST(TokenCommands, AttentionImportEqualsTheTracePath) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  const std::string text =
      "Tell a story. Once upon a time there was a cat. The cat liked to play in the sun. One day "
      "it saw a big red ball! It ran to the ball and played all day. Then it went home.";
  ::sentlens::testing::write_text_file(dir / "story.txt", text);
  const std::string model = (shared_dir() / "models/stories260K").string();
  const std::string story = (dir / "story.txt").string();
  const std::string trace = (dir / "t.safetensors").string();
  const std::string attention = (dir / "a.safetensors").string();
  ASSERT_EQ(run("trace --model " + model + " --text-file " + story +
                " --response-token 6 --window 5 --horizon-lo 2 --horizon-hi 20 --out " + trace)
                .code,
            0);
  ASSERT_EQ(
      run("forward --model " + model + " --text-file " + story + " --attention --out " + attention)
          .code,
      0);
  const auto from_trace = run("tokens " + trace + " --json --top 5");
  const std::string imported =
      " --attention " + attention + " --model " + model + " --text-file " + story;
  const auto from_attention = run("tokens" + imported +
                                  " --response-token 6 --window 5 --horizon-lo 2 "
                                  "--horizon-hi 20 --json --top 5");
  ASSERT_EQ(from_trace.code, 0) << from_trace.out;
  ASSERT_EQ(from_attention.code, 0) << from_attention.out;
  auto a = nlohmann::json::parse(from_attention.out), b = nlohmann::json::parse(from_trace.out);
  EXPECT_EQ(a["trace"], attention);
  a.erase("trace");
  b.erase("trace");
  expect_json_near(a, b, "tokens");

  const auto sinks_trace = run("sinks " + trace + " --json");
  const auto sinks_attention = run("sinks" + imported + " --json");
  ASSERT_EQ(sinks_attention.code, 0) << sinks_attention.out;
  auto c = nlohmann::json::parse(sinks_attention.out), d = nlohmann::json::parse(sinks_trace.out);
  c.erase("trace");
  d.erase("trace");
  expect_json_near(c, d, "sinks");

  // Without a tokenizer the tokens are named by their ids; a trace and --attention together, or
  // rhythm options without --attention, are usage errors.
  const auto unlabelled = run("tokens --attention " + attention + " --json --top 1");
  ASSERT_EQ(unlabelled.code, 0) << unlabelled.out;
  EXPECT_EQ(nlohmann::json::parse(unlabelled.out)["tokens"][0]["text"], "<1>");
  EXPECT_EQ(run("tokens " + trace + " --attention " + attention).code, 2);
  EXPECT_EQ(run("tokens " + trace + " --window 3").code, 2);
  EXPECT_EQ(run("sinks").code, 2);
  ::sentlens::testing::write_text_file(dir / "other.txt", "A different text.");
  const auto mismatch =
      ::sentlens::testing::run_cli("sinks --attention " + attention + " --model " + model +
                                   " --text-file " + (dir / "other.txt").string());
  EXPECT_EQ(mismatch.exit_code, 3);
  EXPECT_NE(mismatch.err.find("the attention covers"), std::string::npos) << mismatch.err;
}

TEST(TokenCommands, CalibrateRunsPastTheContextOnlyWithAllowLonger) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  std::string story;
  for (int i = 0; i < 40; ++i) story += "Once upon a time there was a cat. The cat liked to play. ";
  ::sentlens::testing::write_text_file(dir / "long.txt", story);  // > 512 tokens
  const std::string model = (shared_dir() / "models/stories260K").string();
  const std::string command = "calibrate --model " + model + " --text-file " +
                              (dir / "long.txt").string() + " --heads 1:0,4:7 --json";
  const auto refused = ::sentlens::testing::run_cli(command);
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_NE(refused.err.find("exceed max_position_embeddings 512"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("; --allow-longer runs past it"), std::string::npos) << refused.err;
  const auto allowed = run(command + " --allow-longer");
  ASSERT_EQ(allowed.code, 0) << allowed.out;
  EXPECT_GT(nlohmann::json::parse(allowed.out)["tokens"].get<int>(), 512);
}

TEST(TokenCommands, CalibrateWritesItsResultAndTakesTheReferenceProfile) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  ::sentlens::testing::write_text_file(
      dir / "story.txt",
      "Once upon a time there was a cat. The cat liked to play in the sun. One day it saw a big "
      "red ball! It ran to the ball and played all day. Then it went home and slept.");
  const std::string model = (shared_dir() / "models/stories260K").string();
  const std::string out = (dir / "cal.safetensors").string();
  const auto clean = run("calibrate --model " + model + " --text-file " +
                         (dir / "story.txt").string() + " --heads 1:0,2:3 --json --out " + out);
  ASSERT_EQ(clean.code, 0) << clean.out;
  const auto json = nlohmann::json::parse(clean.out);
  EXPECT_EQ(json["profile"], "clean");
  const auto file = SafetensorsFile::open(out);
  const std::int64_t t = json["tokens"].get<std::int64_t>();
  EXPECT_EQ(file->info("ids").shape, (std::vector<std::int64_t>{t}));
  EXPECT_EQ(file->read_i64("heads"), (std::vector<std::int64_t>{1, 0, 2, 3}));
  EXPECT_EQ(file->info("key_scores").shape, (std::vector<std::int64_t>{2, t}));
  const auto nll = file->read_f64("token_nll_plain");
  ASSERT_EQ(nll.size(), static_cast<std::size_t>(t - 1));
  double sum = 0;
  for (double x : nll) sum += x;
  EXPECT_NEAR(sum / static_cast<double>(t - 1), json["nll_plain"].get<double>(), 1e-9);
  EXPECT_EQ(file->read_f64("token_nll_calibrated").size(), nll.size());
  EXPECT_EQ(file->metadata().at("sentlens.act.profile"), "clean");
  // sink_class: 1 for the sink kept, 2 for the calibrated ones, as the JSON lists them.
  const auto classes = file->read_i64("sink_class");
  const auto scores = file->read_f64("key_scores");
  for (std::size_t n = 0; n < 2; ++n) {
    std::vector<std::int64_t> sinks, calibrated;
    for (std::int64_t j = 0; j < t; ++j) {
      const std::size_t at = n * static_cast<std::size_t>(t) + static_cast<std::size_t>(j);
      if (classes[at] > 0) sinks.push_back(j);
      if (classes[at] == 2) calibrated.push_back(j);
      EXPECT_EQ(classes[at] > 0, scores[at] > 0.1) << "head " << n << " key " << j;
    }
    EXPECT_EQ(sinks, json["sinks"][n]["sinks"].get<std::vector<std::int64_t>>());
    EXPECT_EQ(calibrated, json["sinks"][n]["calibrated"].get<std::vector<std::int64_t>>());
  }

  const auto reference =
      run("calibrate --model " + model + " --text-file " + (dir / "story.txt").string() +
          " --heads 1:0,2:3 --profile reference --json --out " + out);
  ASSERT_EQ(reference.code, 0) << reference.out;
  EXPECT_EQ(nlohmann::json::parse(reference.out)["profile"], "reference");
  EXPECT_EQ(SafetensorsFile::open(out)->metadata().at("sentlens.act.profile"), "reference");
  EXPECT_EQ(run("calibrate --model " + model + " --text x --heads 1:0 --profile exact").code, 3);
}

}  // namespace
}  // namespace sentlens
