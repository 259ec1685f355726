// A file of the wrong kind: the message says what the file is and what the command wanted.
#include <gtest/gtest.h>

#include <string>

#include "cli_runner.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::quoted;
using ::sentlens::testing::run_cli;
using ::sentlens::testing::stories_model;
using ::sentlens::testing::TempDir;
using ::sentlens::testing::write_text_file;

TEST(FileKindCli, WrongFilesAreNamedForWhatTheyAre) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  const std::string text = (dir / "cot.txt").string();
  write_text_file(text,
                  "Once upon a time there was a cat. The cat liked to play in the sun. "
                  "One day it saw a ball. It ran to the ball. The end.");
  // A text file where a trace belongs.
  const auto as_trace =
      run_cli("report " + quoted(text) + " -o " + quoted((dir / "r.html").string()));
  EXPECT_EQ(as_trace.exit_code, 4);
  EXPECT_NE(as_trace.err.find("cot.txt: header length"), std::string::npos) << as_trace.err;
  EXPECT_NE(as_trace.err.find("not a safetensors file; it is a text file"), std::string::npos)
      << as_trace.err;

  // A `receivers --out` file where a trace belongs, and a trace where heads belong.
  const std::string trace = (dir / "t.safetensors").string();
  ASSERT_EQ(run_cli("trace --model " + stories_model() + " --text-file " + quoted(text) +
                    " --quiet --out " + quoted(trace))
                .exit_code,
            0);
  const std::string heads = (dir / "heads.safetensors").string();
  ASSERT_EQ(run_cli("receivers " + quoted(trace) + " --proximity-ignore 1 --top-k 2 --out " +
                    quoted(heads))
                .exit_code,
            0);
  const auto heads_as_trace = run_cli("tokens " + quoted(heads));
  EXPECT_EQ(heads_as_trace.exit_code, 4);
  EXPECT_NE(heads_as_trace.err.find(
                "heads.safetensors: not a sentlens trace (no `sentlens.schema_version` in the "
                "metadata): it is a `sentlens receivers --out` file (receiver heads)"),
            std::string::npos)
      << heads_as_trace.err;
  const auto trace_as_heads =
      run_cli("report " + quoted(trace) + " -o " + quoted((dir / "r.html").string()) +
              " --receiver-heads " + quoted(trace));
  EXPECT_EQ(trace_as_heads.exit_code, 4);
  EXPECT_NE(trace_as_heads.err.find("no `receiver_heads` tensor (expected the file `sentlens "
                                    "receivers --out` writes): it is a sentlens trace"),
            std::string::npos)
      << trace_as_heads.err;
}

}  // namespace
}  // namespace sentlens
