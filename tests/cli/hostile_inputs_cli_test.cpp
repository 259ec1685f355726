// Hostile inputs, round 2, through the real binary: deep JSON nesting, outputs that are inputs or
// not regular files, FIFOs as inputs, non-finite weights and configs, non-UTF-8 paths, malformed
// traces, misleading messages — each must end normally with the documented exit code and a short
// message (docs/errors.md). Also the weights modes' memory plan and the batch's resume.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "sentlens/io/safetensors.h"

namespace sentlens {
namespace {

using testing::quoted;
using testing::run_cli;
using testing::safetensors_bytes;
using testing::shared_dir;
using testing::TempDir;
using testing::write_binary_file;
using testing::write_text_file;
namespace fs = std::filesystem;

fs::path stories() {
  return shared_dir() / "models/stories260K";
}

const char* kText =
    "Solve it. <think>\nFirst we add the numbers. Then we check the sum twice. The answer is "
    "right. So we stop here.\n</think> Done.";

// A copy of stories260K's folder (config, weights, tokenizer) to change.
fs::path copy_stories(const fs::path& to) {
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(stories())) {
    fs::copy_file(entry.path(), to / entry.path().filename(), fs::copy_options::overwrite_existing);
  }
  return to;
}

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Checks the documented ending: a normal exit with `code`, one short message naming `fragment`
// (after any progress lines: the error is the last line).
void expect_error(const testing::CliResult& result, int code, const std::string& fragment) {
  EXPECT_FALSE(result.signaled) << result.err;
  EXPECT_EQ(result.exit_code, code) << result.err;
  EXPECT_NE(result.err.find(fragment), std::string::npos) << result.err;
  const std::string body = result.err.substr(0, result.err.find_last_not_of('\n') + 1);
  const auto last_line = body.rfind('\n');
  const std::string message = last_line == std::string::npos ? body : body.substr(last_line + 1);
  EXPECT_NE(message.find(fragment), std::string::npos)
      << "the error is the last line: " << result.err;
  EXPECT_LT(message.size(), 300u) << result.err;
}

std::string nested_array(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') + "1" +
         std::string(static_cast<std::size_t>(depth), ']');
}

class HostileInputs : public ::testing::Test {
 protected:
  void SetUp() override { SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json"); }
  TempDir dir_;
};

TEST_F(HostileInputs, JsonNestedTensOfThousandsOfLevelsIsAFormatErrorNotACrash) {
  // config.json: a type-checked field holding a 65,000-level array.
  const auto model = copy_stories(dir_ / "deep-config");
  auto config = nlohmann::json::parse(file_bytes(model / "config.json"));
  config.erase("hidden_size");
  write_text_file(model / "config.json",
                  "{\"hidden_size\": " + nested_array(65000) + ", " + config.dump().substr(1));
  expect_error(run_cli("info --model " + quoted(model.string())), 4, "nested deeper than 128");

  // A safetensors header whose tensor shape nests as deep.
  write_binary_file(dir_ / "deep.safetensors",
                    safetensors_bytes(R"({"w": {"dtype": "F32", "shape": )" + nested_array(65000) +
                                          R"(, "data_offsets": [0, 4]}})",
                                      4));
  expect_error(run_cli("receivers " + quoted((dir_ / "deep.safetensors").string())), 4,
               "nested deeper than 128");

  // tokenizer.json with deep merges.
  write_text_file(
      dir_ / "tokenizer.json",
      R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": )" + nested_array(65000) + "}}");
  expect_error(
      run_cli("tokenize --tokenizer " + quoted((dir_ / "tokenizer.json").string()) + " --text a"),
      4, "nested deeper than 128");
}

TEST_F(HostileInputs, AnOutputThatIsAnInputIsRefusedAndTheInputKept) {
  const auto model = copy_stories(dir_ / "model");
  const auto weights = file_bytes(model / "model.safetensors");
  expect_error(run_cli("forward --model " + quoted(model.string()) + " --ids 1,2,3 --out " +
                       quoted((model / "model.safetensors").string())),
               5, "is also an input");
  EXPECT_EQ(file_bytes(model / "model.safetensors"), weights);

  const auto text_file = dir_ / "in.txt";
  write_text_file(text_file, kText);
  expect_error(run_cli("trace --model " + quoted(model.string()) + " --text-file " +
                       quoted(text_file.string()) + " --out " + quoted(text_file.string())),
               5, "is also an input");
  EXPECT_EQ(file_bytes(text_file), kText);

  const auto trace = dir_ / "t.safetensors";
  ASSERT_EQ(run_cli("trace --model " + quoted(model.string()) + " --text-file " +
                    quoted(text_file.string()) + " --out " + quoted(trace.string()))
                .exit_code,
            0);
  const auto trace_bytes = file_bytes(trace);
  expect_error(run_cli("report " + quoted(trace.string()) + " -o " + quoted(trace.string())), 5,
               "is also an input");
  expect_error(run_cli("receivers " + quoted(trace.string()) +
                       " --proximity-ignore 0 --top-k 2 "
                       "--out " +
                       quoted(trace.string())),
               5, "is also an input");
  EXPECT_EQ(file_bytes(trace), trace_bytes);
}

TEST_F(HostileInputs, AFifoIsNeitherReplacedAsAnOutputNorWaitedForAsAnInput) {
  const auto fifo = dir_ / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_error(run_cli("forward --model " + quoted(stories().string()) + " --ids 1,2 --out " +
                       quoted(fifo.string())),
               5, "not a regular file");
  EXPECT_TRUE(fs::is_fifo(fifo));

  // Each of these blocked forever on open() before (timeout turns a hang into exit 124).
  const auto model = copy_stories(dir_ / "fifo-weights");
  fs::remove(model / "model.safetensors");
  ASSERT_EQ(::mkfifo((model / "model.safetensors").c_str(), 0600), 0);
  expect_error(run_cli("info --model " + quoted(model.string())), 5, "not a regular file");
  expect_error(run_cli("receivers " + quoted(fifo.string())), 5, "not a regular file");
  write_text_file(dir_ / "in.txt", kText);
  expect_error(run_cli("analyze --model " + quoted(stories().string()) + " --text-file " +
                       quoted((dir_ / "in.txt").string()) + " --receiver-heads " +
                       quoted(fifo.string()) + " --proximity-ignore 0 --top-k 2 --quiet"),
               5, "not a regular file");
}

TEST_F(HostileInputs, NonFiniteWeightsAndRopeThetaAreRefused) {
  const auto model = copy_stories(dir_ / "nan");
  {
    const auto file = SafetensorsFile::open(stories() / "model.safetensors");
    SafetensorsWriter writer;
    for (const auto& name : file->names()) {
      auto values = file->read_f32(name);
      if (name.find("down_proj") != std::string::npos) values[3] = std::nanf("");
      writer.add_f32(name, file->info(name).shape, values);
    }
    writer.write(model / "model.safetensors");
  }
  expect_error(run_cli("forward --model " + quoted(model.string()) + " --ids 1,2 --out " +
                       quoted((dir_ / "o.safetensors").string())),
               4, "non-finite values");

  const auto theta = copy_stories(dir_ / "theta");
  auto config = nlohmann::json::parse(file_bytes(theta / "config.json"));
  config["rope_theta"] = 1e-300;
  write_text_file(theta / "config.json", config.dump());
  expect_error(run_cli("info --model " + quoted(theta.string())), 4, "rope_theta");
  config["rope_theta"] = 10000.0;
  config["hidden_size"] = nlohmann::json(std::uint64_t{18446744073709551615ull});
  write_text_file(theta / "config.json", config.dump());
  expect_error(run_cli("info --model " + quoted(theta.string())), 4, "18446744073709551615");
}

TEST_F(HostileInputs, NonUtf8PathsAreWrittenAndReportedInJson) {
  const auto out = dir_ / "trace-\xff\xfe.safetensors";
  const auto result = run_cli("trace --model " + quoted(stories().string()) + " --text " +
                              quoted(kText) + " --out " + quoted(out.string()) + " --json");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(fs::exists(out));
  EXPECT_NE(result.out.find("\"tokens\""), std::string::npos);
}

TEST_F(HostileInputs, MalformedTracesAndSafetensorsAreRefused) {
  // A valid trace, then copies with one inconsistency each.
  const auto trace = dir_ / "t.safetensors";
  ASSERT_EQ(run_cli("trace --model " + quoted(stories().string()) + " --text " + quoted(kText) +
                    " --out " + quoted(trace.string()))
                .exit_code,
            0);
  const auto file = SafetensorsFile::open(trace);
  auto rewrite = [&](const fs::path& to, const std::function<void(nlohmann::json&)>& edit_meta,
                     const std::string& tensor, double value) {
    SafetensorsWriter writer;
    for (const auto& [key, text] : file->metadata()) {
      if (text.empty() || text[0] != '{') {
        writer.set_metadata(key, text);
        continue;
      }
      auto meta = nlohmann::json::parse(text);
      edit_meta(meta);
      writer.set_metadata(key, meta.dump());
    }
    for (const auto& name : file->names()) {
      if (file->info(name).dtype == DType::I64) {
        auto values = file->read_i64(name);
        if (name == tensor) values[0] = static_cast<std::int64_t>(value);
        writer.add_i64(name, file->info(name).shape, values);
      } else if (file->info(name).dtype == DType::F64) {
        writer.add_f64(name, file->info(name).shape, file->read_f64(name));
      } else {
        auto values = file->read_f32(name);
        if (name == tensor) values[0] = static_cast<float>(value);
        writer.add_f32(name, file->info(name).shape, values);
      }
    }
    writer.write(to);
  };
  const auto no_edit = [](nlohmann::json&) {};
  rewrite(
      dir_ / "span.safetensors",
      [](nlohmann::json& meta) {
        if (meta.contains("token_char_spans")) meta["token_char_spans"][1][1] = 100000;
      },
      "", 0);
  expect_error(run_cli("receivers " + quoted((dir_ / "span.safetensors").string())), 4,
               "outside the text");
  rewrite(dir_ / "map.safetensors", no_edit, "token_sentence", 0);
  expect_error(run_cli("receivers " + quoted((dir_ / "map.safetensors").string())), 4,
               "sentence_token_ranges");
  rewrite(dir_ / "negative.safetensors", no_edit, "sentence_attention", -1.0);
  expect_error(run_cli("receivers " + quoted((dir_ / "negative.safetensors").string())), 4,
               "must be >= 0 and finite");

  write_binary_file(dir_ / "twice.safetensors",
                    safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, )"
                                      R"(4]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": )"
                                      R"([0, 4]}})",
                                      4));
  expect_error(run_cli("receivers " + quoted((dir_ / "twice.safetensors").string())), 4, "twice");
  write_binary_file(
      dir_ / "reversed.safetensors",
      safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}})", 4));
  expect_error(run_cli("receivers " + quoted((dir_ / "reversed.safetensors").string())), 4,
               "reversed");

  expect_error(run_cli("tokens " + quoted(trace.string()) + " --gamma-amp nan"), 3, "gamma_amp");
  expect_error(run_cli("tokens " + quoted(trace.string()) + " --layers 3-1"), 3, "reversed");
  expect_error(run_cli("forward --model " + quoted(stories().string()) + " --ids '' --out " +
                       quoted((dir_ / "o.safetensors").string())),
               3, "--ids");
}

TEST_F(HostileInputs, ResidentWeightsOverTheMemoryLimitAreRefusedWithTheStreamAlternative) {
  const std::string analyze = "analyze --model " + quoted(stories().string()) +
                              " --text 'We add. We check. Done.' --proximity-ignore 0 --top-k 2 "
                              "--quiet --weights ";
  // A limit just below stories260K's 1.04 MB of weights (SENTLENS_MEMORY_LIMIT, inherited by the
  // CLI).
  ::setenv("SENTLENS_MEMORY_LIMIT", "1M", 1);
  const auto resident = run_cli(analyze + "resident");
  // Streamed, the same analysis runs within the limit's plan.
  const auto streamed = run_cli(analyze + "stream --json");
  ::unsetenv("SENTLENS_MEMORY_LIMIT");
  expect_error(resident, 6, "weights mode \"stream\"");
  EXPECT_EQ(streamed.exit_code, 0) << streamed.err;
}

TEST_F(HostileInputs, BatchWritesOneTracePerInputAndResumesAfterAnInterruption) {
  const auto inputs = dir_ / "inputs";
  fs::create_directories(inputs);
  write_text_file(inputs / "first.txt", kText);
  write_text_file(inputs / "set.jsonl",
                  std::string(R"({"id": "a", "text": )") + nlohmann::json(kText).dump() + "}\n" +
                      R"({"id": 7, "full_cot": )" + nlohmann::json(kText).dump() + "}\n");
  const auto out = dir_ / "traces";
  const std::string command = "analyze --model " + quoted(stories().string()) + " --batch " +
                              quoted(inputs.string()) + " --out-dir " + quoted(out.string()) +
                              " --proximity-ignore 0 --top-k 2 --receivers-over-set --json";
  auto result = run_cli(command);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* name : {"first", "a", "7"}) {
    EXPECT_TRUE(fs::exists(out / (std::string(name) + ".trace.safetensors"))) << name;
  }
  EXPECT_TRUE(fs::exists(out / "receivers.safetensors"));
  EXPECT_NE(result.err.find("ETA"), std::string::npos) << result.err;
  // As after a kill: one trace missing. The rerun computes it alone.
  fs::remove(out / "a.trace.safetensors");
  result = run_cli(command);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  int skipped = 0;
  for (const auto& item : json["items"]) skipped += item["skipped"].get<bool>() ? 1 : 0;
  EXPECT_EQ(skipped, 2);
  EXPECT_TRUE(fs::exists(out / "a.trace.safetensors"));
}

}  // namespace
}  // namespace sentlens
