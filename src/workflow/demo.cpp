// Locating the bundled demo model and trace.
#include "sentlens/workflow/demo.h"

#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "util/check.h"

namespace sentlens {

namespace {

// Roots that may hold models/demo and examples/traces: the source tree, then the install prefix.
std::vector<std::filesystem::path> roots() {
  return {std::filesystem::path(SENTLENS_SOURCE_DIR),
          std::filesystem::path(SENTLENS_INSTALL_DATADIR) / "sentlens"};
}

std::filesystem::path first_existing(const std::vector<std::filesystem::path>& candidates,
                                     const std::string& what) {
  std::string tried;
  for (const auto& candidate : candidates) {
    if (std::filesystem::exists(candidate)) return candidate;
    tried += fmt::format("{}{}", tried.empty() ? "" : ", ", candidate.string());
  }
  throw InputError(
      fmt::format("{} not found (looked at {}); pass --model and a text instead", what, tried));
}

}  // namespace

std::filesystem::path demo_model_dir() {
  std::vector<std::filesystem::path> candidates;
  if (const char* variable = std::getenv("SENTLENS_DEMO_MODEL"); variable && *variable) {
    candidates.emplace_back(std::filesystem::path(variable) / "config.json");
  }
  for (const auto& root : roots()) candidates.push_back(root / "models" / "demo" / "config.json");
  return first_existing(candidates, "the demo model").parent_path();
}

std::filesystem::path demo_trace_file() {
  std::vector<std::filesystem::path> candidates;
  for (const auto& root : roots()) {
    candidates.push_back(root / "examples" / "traces" / "demo_1.txt");
  }
  return first_existing(candidates, "the demo trace");
}

}  // namespace sentlens
