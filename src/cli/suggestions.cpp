// Unknown subcommands and options, with the closest valid ones.
#include "cli/suggestions.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sentlens::cli {

namespace {

// Levenshtein distance (insertions, deletions, substitutions).
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::vector<std::string> subcommand_names(CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) {
    names.push_back(command->get_name());
  }
  return names;
}

// Every --long name of an app's options.
std::vector<std::string> long_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    for (const auto& name : option->get_lnames()) names.push_back("--" + name);
  }
  return names;
}

const CLI::Option* find_option(CLI::App& command, CLI::App& app, const std::string& name) {
  if (const CLI::Option* option = command.get_option_no_throw(name)) return option;
  return app.get_option_no_throw(name);  // global flags (--verbose, --help) fall through
}

}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = SIZE_MAX;
  for (const auto& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  const std::size_t allowed = std::max<std::size_t>(2, word.size() / 3);
  return best_distance <= allowed ? best : "";
}

std::optional<std::string> unknown_argument_message(CLI::App& app, int argc, char** argv) {
  // The subcommand: the first argument that is not a flag (global flags take no value).
  int first = 1;
  while (first < argc && argv[first][0] == '-') ++first;
  if (first >= argc) return std::nullopt;  // no subcommand: CLI11 says one is required
  const std::string name = argv[first];
  CLI::App* command = nullptr;
  for (CLI::App* candidate : app.get_subcommands([](CLI::App*) { return true; })) {
    if (candidate->check_name(name)) command = candidate;
  }
  if (command == nullptr) {
    const auto names = subcommand_names(app);
    const std::string guess = closest_match(name, names);
    return fmt::format("unknown command '{}'{}; the commands are: {}", name,
                       guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess),
                       fmt::join(names, ", "));
  }
  bool value_expected = false;  // the previous option takes a value: this argument is it
  for (int i = first + 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (value_expected) {
      value_expected = false;
      continue;
    }
    if (argument == "--") break;  // everything after it is positional
    if (argument.rfind("--", 0) != 0 || argument.size() == 2) continue;
    const auto equals = argument.find('=');
    const std::string option_name = argument.substr(0, equals);
    const CLI::Option* option = find_option(*command, app, option_name);
    if (option == nullptr) {
      std::vector<std::string> candidates = long_names(*command);
      for (const auto& global : long_names(app)) candidates.push_back(global);
      const std::string guess = closest_match(option_name, candidates);
      return fmt::format("unknown option '{}' for 'sentlens {}'{}; see sentlens {} --help",
                         option_name, command->get_name(),
                         guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess),
                         command->get_name());
    }
    value_expected = equals == std::string::npos && option->get_items_expected_min() > 0;
  }
  return std::nullopt;
}

}  // namespace sentlens::cli
