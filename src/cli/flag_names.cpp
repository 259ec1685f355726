// The option fields the library's messages name, and the CLI flags that set them.
#include "cli/flag_names.h"

#include <array>
#include <utility>

namespace sentlens::cli {

namespace {

// Field (as the library's options structs spell it) -> flag.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kFlagOfField{{
    {"allow_longer", "--allow-longer"},
    {"max_token_points", "--max-token-points"},
    {"prompt_chars", "--prompt-chars"},
    {"proximity_ignore", "--proximity-ignore"},
    {"response_marker", "--response-start"},
    {"top_k", "--top-k"},
}};

// A field name stands alone in prose: after a space or '(' and before a space, ')' or a separator.
// Not after '/' or '.', nor next to a quote, so that paths (`/tmp/top_k/trace.safetensors`) and
// quoted user input (the marker 'top_k') stay as they are.
bool may_precede(char c) {
  return c == ' ' || c == '(';
}
bool may_follow(char c) {
  return c == ' ' || c == ')' || c == ':' || c == ',' || c == ';';
}

}  // namespace

std::string in_cli_terms(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  std::size_t i = 0;
  while (i < message.size()) {
    bool replaced = false;
    if (i == 0 || may_precede(message[i - 1])) {
      for (const auto& [field, flag] : kFlagOfField) {
        const std::size_t end = i + field.size();
        if (message.compare(i, field.size(), field) == 0 &&
            (end == message.size() || may_follow(message[end]))) {
          out += flag;
          i = end;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += message[i++];
  }
  return out;
}

std::vector<std::string> in_cli_terms(const std::vector<std::string>& messages) {
  std::vector<std::string> out;
  out.reserve(messages.size());
  for (const auto& message : messages) out.push_back(in_cli_terms(message));
  return out;
}

}  // namespace sentlens::cli
