// Counting the unknown tokens of an encoding, for the warning the commands print.
#include "sentlens/tokenizer/unknown_tokens.h"

#include <algorithm>

#include <fmt/format.h>

namespace sentlens {

namespace {

bool is_unknown_piece(const std::string& piece) {
  return piece == "<unk>" || piece == "[UNK]" || piece == "<|unk|>" || piece == "<UNK>";
}

}  // namespace

UnknownTokens find_unknown_tokens(const Encoding& encoding, std::string_view text,
                                  std::size_t max_examples) {
  UnknownTokens found;
  for (const Token& token : encoding.tokens) {
    if (!is_unknown_piece(token.piece)) continue;
    ++found.count;
    if (found.examples.size() >= max_examples) continue;
    const auto start = static_cast<std::size_t>(std::max<std::int64_t>(0, token.byte_start));
    const auto end = static_cast<std::size_t>(std::max<std::int64_t>(0, token.byte_end));
    if (start >= end || end > text.size()) continue;
    std::string example(text.substr(start, end - start));
    if (std::find(found.examples.begin(), found.examples.end(), example) == found.examples.end())
      found.examples.push_back(std::move(example));
  }
  return found;
}

std::optional<std::string> unknown_tokens_warning(const Encoding& encoding, std::string_view text) {
  const UnknownTokens found = find_unknown_tokens(encoding, text);
  if (found.count == 0) return std::nullopt;
  std::string examples;
  for (const std::string& example : found.examples)
    examples += fmt::format("{}'{}'", examples.empty() ? "" : ", ", example);
  return fmt::format(
      "{} of {} tokens are unknown to the tokenizer (<unk>){}{}{}; the model sees one token for "
      "all of them",
      found.count, encoding.size(), examples.empty() ? "" : ": ", examples,
      static_cast<std::size_t>(found.count) > found.examples.size() ? ", ..." : "");
}

}  // namespace sentlens
