// "Did you mean": unknown subcommands and options named, with the closest valid ones, before
// CLI11 parses (it would report a missing required option first, or "A subcommand is required").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sentlens::cli {

/// The candidate closest to `word` by edit distance when it is close enough to be a likely typo
/// (at most 2 edits, or a third of the word), else "".
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

/// A message naming the first unknown subcommand or option of argv, with a suggestion; nullopt
/// when every subcommand and option is known (CLI11 then parses and reports the rest).
std::optional<std::string> unknown_argument_message(CLI::App& app, int argc, char** argv);

}  // namespace sentlens::cli
