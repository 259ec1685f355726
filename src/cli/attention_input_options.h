// Private CLI helpers: `--attention FILE` and the tokenizer options that label its tokens, shared
// by `sentlens tokens` and `sentlens sinks` (the trace-free path;
// sentlens/workflow/attention_import.h).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "sentlens/workflow/attention_import.h"

namespace sentlens::cli {

struct AttentionInputArguments {
  std::string attention, model_dir, tokenizer, text, text_file;
  bool no_bos = false;
  CLI::Option* attention_option = nullptr;

  /// What the command line gave; reads the text when one was given.
  AttentionDumpInput input() const;
};

/// Adds --attention FILE, --model DIR or --tokenizer F, --text STR / --text-file F and --no-bos
/// (the others need --attention), and makes `trace` (the positional trace argument) and --attention
/// exclusive.
void add_attention_input_options(CLI::App& command, AttentionInputArguments& arguments,
                                 CLI::Option* trace);

/// Usage error unless exactly one of the trace and --attention was given.
void require_trace_or_attention(const std::string& trace, const AttentionInputArguments& arguments);

}  // namespace sentlens::cli
