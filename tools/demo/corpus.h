// The demo corpus: synthetic reasoning traces (word problems solved step by step) whose sentence
// dependency structure is known exactly.
#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace sentlens::demo {

/// One generated problem and its worked trace.
struct DemoTrace {
  std::string problem;  // the word problem (outside the think region: in no sentence)
  std::string text;     // problem + " <think> " + sentences joined by spaces
  std::vector<std::string> sentences;  // the think-region sentences, in order
  std::vector<std::string> kinds;      // "start", "step", "check" or "answer" per sentence
  /// Ground truth: for each sentence, the earlier sentences whose stated result it uses.
  std::vector<std::vector<std::int64_t>> dependencies;
  std::int64_t answer = 0;           // the number the answer sentence states
  std::int64_t answer_sentence = 0;  // index of the answer sentence (the last one)
  std::int64_t copied_sentence = 0;  // the step sentence whose result the answer copies
  std::string question;              // "final" (count at the end) or "after" (after one step)

  /// The text up to the answer sentence, without the space before it.
  std::string text_before_answer() const;
  /// The problem followed by " <think>": the prompt of an end-to-end solve.
  std::string solve_prompt() const { return problem + " <think>"; }
};

/// Draws one trace: 2–4 operations on small numbers (results 1–45), a question about the final
/// count (40%) or the count after a named operation (60%), and with probability 0.4 a
/// "Wait, let me check …" sentence re-deriving a random earlier step.
DemoTrace generate_trace(std::mt19937_64& random);

/// Checks that sentlens' splitter (clean profile, think region) yields exactly the trace's
/// sentences; throws sentlens::InputError naming the trace otherwise.
void check_split(const DemoTrace& trace);

/// JSON (one object, one line) of a trace with its ground truth, and back.
std::string trace_to_json(const DemoTrace& trace);
DemoTrace trace_from_json(const std::string& line);

/// Writes traces as JSON lines; reads them back.
void write_traces(const std::filesystem::path& path, const std::vector<DemoTrace>& traces);
std::vector<DemoTrace> read_traces(const std::filesystem::path& path);

struct CorpusOptions {
  std::uint64_t seed = 1;
  std::int64_t train = 60000;    // training traces
  std::int64_t held_out = 1000;  // evaluation traces, none equal to a training trace
};

/// Generates `out`/train.jsonl, `out`/heldout.jsonl and `out`/train.txt (one text per line, the
/// tokenizer's input). Returns the number of training traces written.
std::int64_t generate_corpus(const std::filesystem::path& out, const CorpusOptions& options);

}  // namespace sentlens::demo
