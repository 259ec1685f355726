// docs/cli.md is the CLI reference: every subcommand the binary lists has a section there, and
// every long option its --help prints appears in that section.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include "cli_runner.h"

namespace sentlens::testing {
namespace {

std::set<std::string> long_options(const std::string& help) {
  std::set<std::string> options;
  const std::regex option(R"(--[a-z][a-z0-9-]*)");
  for (auto it = std::sregex_iterator(help.begin(), help.end(), option);
       it != std::sregex_iterator(); ++it) {
    options.insert(it->str());
  }
  options.erase("--help");
  return options;
}

// The subcommand names under "Subcommands:" of `sentlens --help`.
std::vector<std::string> subcommands() {
  const auto help = run_cli("--help");
  const auto at = help.out.find("Subcommands:");
  std::vector<std::string> names;
  if (at == std::string::npos) return names;
  const std::regex line(R"(\n  ([a-z][a-z-]*) )");
  const std::string rest = help.out.substr(at);
  for (auto it = std::sregex_iterator(rest.begin(), rest.end(), line); it != std::sregex_iterator();
       ++it) {
    names.push_back((*it)[1].str());
  }
  return names;
}

// The text of "## `sentlens NAME`..." up to the next "## " heading.
std::string section(const std::string& doc, const std::string& name) {
  const auto start = doc.find("\n## `sentlens " + name + "`");
  if (start == std::string::npos) return "";
  const auto end = doc.find("\n## ", start + 1);
  return doc.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(CliReference, EverySubcommandAndOptionIsDocumented) {
  const std::string doc =
      read_text_file(std::filesystem::path(SENTLENS_SOURCE_DIR) / "docs/cli.md");
  const auto names = subcommands();
  ASSERT_GE(names.size(), 10u) << "could not read the subcommands of sentlens --help";
  for (const auto& name : names) {
    const auto help = run_cli(name + " --help");
    EXPECT_EQ(help.exit_code, 0) << name;
    const std::string text = section(doc, name);
    EXPECT_FALSE(text.empty()) << "docs/cli.md has no section ## `sentlens " << name << "`";
    if (text.empty()) continue;
    for (const auto& option : long_options(help.out)) {
      EXPECT_NE(text.find(option), std::string::npos)
          << "docs/cli.md, section sentlens " << name << ": option " << option
          << " is not documented";
    }
  }
}

}  // namespace
}  // namespace sentlens::testing
