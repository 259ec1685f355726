// `sentlens split`: split a reasoning trace into sentences and print their spans.
#include <fmt/core.h>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "cli/counted.h"
#include "cli/input_text.h"
#include "sentlens/text/splitter.h"

namespace sentlens::cli {

namespace {
// One line per sentence: control characters shown escaped.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out;
}
}  // namespace

void register_split_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "split", "Split a reasoning trace into sentences (Thought Anchors chunks) and print spans");
  struct Arguments {
    std::string text, text_file, profile = "clean";
    bool json = false, whole_text = false;
  };
  auto arguments = std::make_shared<Arguments>();
  add_text_options(*command, arguments->text, arguments->text_file, "Text to split");
  add_profile_option(*command, arguments->profile,
                     "clean (exact spans, keeps the tail) or reference (original code, quirks "
                     "included)");
  command->add_flag("--whole-text", arguments->whole_text,
                    "Split the whole text, ignoring <think> ... </think>");
  add_json_flag(*command, arguments->json);

  command->callback([arguments] {
    const std::string input = read_input_text(arguments->text, arguments->text_file);
    SplitOptions options;
    options.profile = parse_profile(arguments->profile);
    options.think_region = !arguments->whole_text;
    const SplitResult result = split_sentences(input, options);
    if (arguments->json) {
      fmt::print("{}\n", split_result_json(input, result, options.profile));
      return;
    }
    fmt::print("{} ({} profile)\n",
               counted(static_cast<std::int64_t>(result.sentences.size()), "sentence"),
               profile_name(options.profile));
    for (std::size_t i = 0; i < result.sentences.size(); ++i) {
      const Sentence& s = result.sentences[i];
      fmt::print("{:>4} [{:>6}, {:>6})  {}\n", i, s.char_start, s.char_end,
                 printable(sentence_text(input, s)));
    }
  });
}

}  // namespace sentlens::cli
