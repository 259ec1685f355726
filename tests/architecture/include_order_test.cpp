// The layer order of docs/architecture.md, enforced: every `#include "..."` in src/ and
// include/sentlens/ names its own layer or an earlier one.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kSource = SENTLENS_SOURCE_DIR;

// The layers of the "Layer order:" line of docs/architecture.md, first to last.
std::vector<std::string> documented_order() {
  std::ifstream doc(kSource / "docs/architecture.md");
  std::string line;
  while (std::getline(doc, line)) {
    if (line.rfind("Layer order: `", 0) != 0) continue;
    const std::string chain = line.substr(14, line.rfind('`') - 14);
    std::vector<std::string> layers;
    std::size_t start = 0;
    const std::string arrow = " \u2192 ";
    for (std::size_t at = chain.find(arrow); at != std::string::npos;
         start = at + arrow.size(), at = chain.find(arrow, start)) {
      layers.push_back(chain.substr(start, at - start));
    }
    layers.push_back(chain.substr(start));
    return layers;
  }
  return {};
}

// The layer an include names: "sentlens/<layer>/x.h" (public) or "<layer>/x.h" (private, src/);
// "" for headers outside every layer (sentlens/error.h, sentlens/log.h, a file beside the
// includer).
std::string included_layer(std::string include) {
  if (include.rfind("sentlens/", 0) == 0) include = include.substr(9);
  const auto slash = include.find('/');
  return slash == std::string::npos ? "" : include.substr(0, slash);
}

struct Include {
  fs::path file;
  std::string layer, include, included;
};

// Every quoted include of every source and header under `root`, by the layer of its file.
std::vector<Include> includes_under(const fs::path& root, std::set<std::string>& folders) {
  static const std::regex include_line(R"re(^\s*#\s*include\s+"([^"]+)")re");
  std::vector<Include> found;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const auto extension = entry.path().extension();
    if (!entry.is_regular_file() || (extension != ".h" && extension != ".cpp")) continue;
    const fs::path relative = entry.path().lexically_relative(root);
    if (relative.begin() == relative.end() || std::next(relative.begin()) == relative.end()) {
      continue;  // a file directly under root: error.h, log.h, the umbrella sentlens.h
    }
    const std::string layer = relative.begin()->string();
    folders.insert(layer);
    std::ifstream file(entry.path());
    std::string line;
    std::smatch match;
    while (std::getline(file, line)) {
      if (std::regex_search(line, match, include_line)) {
        found.push_back(
            {entry.path().lexically_relative(kSource), layer, match[1], included_layer(match[1])});
      }
    }
  }
  return found;
}

// The sentencepiece shim is a module of its own, loaded at run time: it includes nothing of ours.
const std::string kModule = "sentencepiece_shim";

// What breaks the order: folders missing from it, includes of later layers or of no layer.
std::vector<std::string> violations(const std::vector<Include>& includes,
                                    const std::vector<std::string>& order,
                                    const std::set<std::string>& folders) {
  std::map<std::string, std::size_t> rank;
  for (std::size_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  std::vector<std::string> found;
  for (const auto& folder : folders) {
    if (folder != kModule && !rank.count(folder)) {
      found.push_back("folder \"" + folder + "\" is missing from the layer order");
    }
  }
  for (const auto& include : includes) {
    const std::string where = include.file.string() + " (layer " + include.layer + ") includes \"" +
                              include.include + "\"";
    if (include.layer == kModule) {
      if (!include.included.empty()) found.push_back(where + ", but the module includes none");
    } else if (include.included.empty() || !rank.count(include.layer)) {
      continue;
    } else if (!rank.count(include.included)) {
      found.push_back(where + ", of no layer");
    } else if (rank[include.included] > rank[include.layer]) {
      found.push_back(where + ", of the later layer " + include.included);
    }
  }
  return found;
}

TEST(IncludeOrder, EveryIncludeNamesItsOwnLayerOrAnEarlierOne) {
  const auto order = documented_order();
  ASSERT_GE(order.size(), 10u)
      << "no \"Layer order: `a \u2192 b ...`\" line in docs/architecture.md";
  std::set<std::string> folders;
  auto includes = includes_under(kSource / "src", folders);
  const auto public_includes = includes_under(kSource / "include/sentlens", folders);
  includes.insert(includes.end(), public_includes.begin(), public_includes.end());
  ASSERT_GT(includes.size(), 500u) << "too few includes found under " << kSource;
  for (const auto& violation : violations(includes, order, folders)) ADD_FAILURE() << violation;
}

TEST(IncludeOrder, BackEdgesAndUnknownFoldersAreFound) {
  const std::vector<std::string> order = {"io", "analysis", "trace"};
  const std::vector<Include> includes = {
      {"src/analysis/a.cpp", "analysis", "sentlens/io/x.h", "io"},        // earlier: fine
      {"src/analysis/a.cpp", "analysis", "analysis/b.h", "analysis"},     // own layer: fine
      {"src/analysis/a.cpp", "analysis", "sentlens/error.h", ""},         // no layer: fine
      {"src/analysis/a.cpp", "analysis", "sentlens/trace/t.h", "trace"},  // back-edge
      {"src/io/r.cpp", "io", "sentlens/nowhere/n.h", "nowhere"},          // no such layer
      {"src/sentencepiece_shim/shim.cpp", kModule, "io/x.h", "io"},       // the module
  };
  const auto found = violations(includes, order, {"io", "analysis", "trace", "extra", kModule});
  ASSERT_EQ(found.size(), 4u);
  EXPECT_EQ(found[0], "folder \"extra\" is missing from the layer order");
  EXPECT_NE(found[1].find("src/analysis/a.cpp (layer analysis) includes \"sentlens/trace/t.h\", "
                          "of the later layer trace"),
            std::string::npos)
      << found[1];
  EXPECT_NE(found[2].find("of no layer"), std::string::npos) << found[2];
  EXPECT_NE(found[3].find("the module includes none"), std::string::npos) << found[3];
  EXPECT_EQ(included_layer("sentlens/trace/trace.h"), "trace");
  EXPECT_EQ(included_layer("util/check.h"), "util");
  EXPECT_EQ(included_layer("sentlens/error.h"), "");
  EXPECT_EQ(included_layer("family.h"), "");
}

}  // namespace
