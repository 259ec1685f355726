// Private CLI helpers: the options several subcommands share, added with the same name, help text,
// default and range check everywhere. Each returns the option it added, for excludes()/needs().
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "sentlens/model/model.h"
#include "sentlens/model/model_source.h"

namespace sentlens::cli {

/// --model DIR, required: the checkpoint folder (for commands that only read its files; those
/// that load the model take add_model_source_options).
CLI::Option* add_model_option(CLI::App& command, std::string& model_dir,
                              const std::string& help = "Checkpoint folder");

/// Every option that fills a ModelSource, written into `source`: --model (required unless
/// `model_required` is false), --tokenizer (a tokenizer file or folder instead of the
/// checkpoint's), --threads (0 = all cores), --weights (auto|resident|stream) and --device (a torch
/// device string the job parses with sentlens::parse_device: InputError, exit 3, for a bad one).
struct ModelSourceOptions {
  CLI::Option* model = nullptr;
  CLI::Option* tokenizer = nullptr;
  CLI::Option* threads = nullptr;
  CLI::Option* weights = nullptr;
  CLI::Option* device = nullptr;
};
ModelSourceOptions add_model_source_options(CLI::App& command, ModelSource& source,
                                            const std::string& model_help = "Checkpoint folder",
                                            bool model_required = true);

/// --text STR and --text-file F, which exclude each other; read them with read_input_text.
struct TextOptions {
  CLI::Option* text = nullptr;
  CLI::Option* text_file = nullptr;
};
TextOptions add_text_options(CLI::App& command, std::string& text, std::string& text_file,
                             const std::string& text_help);

/// --block-size N: query rows per attention block, 1 .. 2^30 (default shown).
CLI::Option* add_block_size_option(CLI::App& command, std::int64_t& block_size);

/// --no-bos: do not add the tokenizer's BOS token.
CLI::Option* add_no_bos_flag(CLI::App& command, bool& no_bos,
                             const std::string& help = "Do not add the tokenizer's BOS token");

/// --allow-longer: run past max_position_embeddings.
CLI::Option* add_allow_longer_flag(CLI::App& command, bool& allow_longer);

/// --prompt-chars N / --response-start STR (exclude each other): the prompt that belongs to no
/// sentence, by its length in code points or the marker that ends it.
struct PromptOptions {
  std::int64_t prompt_chars = 0;
  std::string response_marker;
  CLI::Option* prompt_chars_option = nullptr;
  CLI::Option* response_marker_option = nullptr;

  /// What the command line gave (an empty marker is given, and the job rejects it).
  std::optional<std::int64_t> chars() const;
  std::optional<std::string> marker() const;
};
void add_prompt_options(CLI::App& command, PromptOptions& prompt);

/// --top-k K: the number of receiver heads, 0 = automatic (default_receiver_top_k).
CLI::Option* add_top_k_option(CLI::App& command, std::int64_t& top_k);

/// `--min-rows` (or `--sink-min-rows` with `prefix` "sink-"): keys with fewer query rows are
/// never sinks; 1 = ACT's formula exactly.
CLI::Option* add_sink_min_rows_option(CLI::App& command, std::int64_t& min_rows,
                                      const std::string& prefix = "");

/// --json: print JSON on stdout.
CLI::Option* add_json_flag(CLI::App& command, bool& json,
                           const std::string& help = "Print JSON on stdout");

/// --profile clean|reference (default shown); the job checks the value.
CLI::Option* add_profile_option(CLI::App& command, std::string& profile, const std::string& help);

}  // namespace sentlens::cli
