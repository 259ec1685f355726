// Matching added tokens in text.
#include "tokenizer/added_vocabulary.h"

#include "tokenizer/js_text.h"

namespace sentlens::hf {

AddedTokenMatcher::AddedTokenMatcher(std::vector<const AddedToken*> tokens) : nodes_(1) {
  for (const AddedToken* token : tokens) {
    if (token->content.empty()) continue;
    std::int32_t node = 0;
    for (unsigned char byte : token->content) {
      const auto found = nodes_[node].children.find(byte);
      if (found != nodes_[node].children.end()) {
        node = found->second;
      } else {
        nodes_.emplace_back();
        const auto child = static_cast<std::int32_t>(nodes_.size() - 1);
        nodes_[node].children.emplace(byte, child);
        node = child;
      }
    }
    // A later token with the same content replaces an earlier one (a map keyed by content).
    nodes_[node].token = token;
    first_byte_[static_cast<unsigned char>(token->content[0])] = true;
  }
}

namespace {

char32_t code_point_before(std::string_view text, std::size_t i) {
  std::size_t start = i - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  std::size_t length = 0;
  return decode_code_point(text, start, &length);
}

}  // namespace

std::vector<Section> AddedTokenMatcher::split(std::string_view text) const {
  std::vector<Section> sections;
  if (empty()) {
    if (!text.empty()) sections.push_back({0, text.size(), nullptr});
    return sections;
  }
  std::size_t start = 0, i = 0;
  while (i < text.size()) {
    if (!first_byte_[static_cast<unsigned char>(text[i])]) {
      ++i;
      continue;
    }
    const AddedToken* match = nullptr;
    std::size_t match_end = 0;
    std::int32_t node = 0;
    for (std::size_t j = i; j < text.size(); ++j) {
      const auto found = nodes_[node].children.find(static_cast<unsigned char>(text[j]));
      if (found == nodes_[node].children.end()) break;
      node = found->second;
      if (nodes_[node].token != nullptr) {
        match = nodes_[node].token;
        match_end = j + 1;
      }
    }
    if (match != nullptr && match->single_word) {
      // A single-word token must not touch word characters on either side.
      std::size_t length = 0;
      const bool word_before = i > 0 && is_word_char(code_point_before(text, i));
      const bool word_after =
          match_end < text.size() && is_word_char(decode_code_point(text, match_end, &length));
      if (word_before || word_after) match = nullptr;
    }
    if (match == nullptr) {
      ++i;
      continue;
    }
    if (i > start) sections.push_back({start, i, nullptr});
    sections.push_back({i, match_end, match});
    i = start = match_end;
  }
  if (start < text.size()) sections.push_back({start, text.size(), nullptr});

  // lstrip / rstrip: the whitespace next to the token joins it (Tokenizers.js trims it from the
  // neighbouring section; sentlens gives it to the token's span).
  for (std::size_t k = 0; k < sections.size(); ++k) {
    const AddedToken* token = sections[k].token;
    if (token == nullptr) continue;
    if (token->lstrip && k > 0) {
      Section& previous = sections[k - 1];
      std::size_t cut = previous.end;
      while (cut > previous.begin) {
        std::size_t begin = cut - 1;
        while (begin > previous.begin && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) {
          --begin;
        }
        std::size_t length = 0;
        if (!is_js_whitespace(decode_code_point(text, begin, &length))) break;
        cut = begin;
      }
      if (previous.token == nullptr) {
        sections[k].begin = cut;
        previous.end = cut;
      }
    }
    if (token->rstrip && k + 1 < sections.size()) {
      Section& next = sections[k + 1];
      std::size_t cut = next.begin;
      while (cut < next.end) {
        std::size_t length = 0;
        if (!is_js_whitespace(decode_code_point(text, cut, &length))) break;
        cut += length;
      }
      if (next.token == nullptr) {
        sections[k].end = cut;
        next.begin = cut;
      }
    }
  }
  return sections;
}

}  // namespace sentlens::hf
