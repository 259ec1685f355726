// Private: the added tokens of tokenizer.json (special tokens and others) and how they are found in
// text before the model runs: leftmost-longest matching, `single_word`, `lstrip`/`rstrip`, and
// `normalized` tokens matched after the normalizer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sentlens::hf {

struct AddedToken {
  std::int32_t id = 0;
  std::string content;
  bool special = false;
  bool single_word = false;  // only matched when no word character touches it
  bool lstrip = false;       // whitespace before it is part of it (not tokenized)
  bool rstrip = false;       // whitespace after it is part of it
  bool normalized = false;   // matched in normalized text rather than raw text
};

/// A section of a text split at added tokens: bytes [begin, end) of the string that was split,
/// and the added token it is (nullptr for plain text). For a token with lstrip/rstrip, [begin, end)
/// includes the whitespace it absorbed.
struct Section {
  std::size_t begin = 0;
  std::size_t end = 0;
  const AddedToken* token = nullptr;
};

/// Finds added tokens in text (one instance for raw-text tokens, one for normalized ones).
class AddedTokenMatcher {
 public:
  explicit AddedTokenMatcher(std::vector<const AddedToken*> tokens);

  /// Splits valid UTF-8 `text` into sections: at each position the longest token that starts
  /// there wins, scanning left to right (as Tokenizers.js's DictionarySplitter does).
  std::vector<Section> split(std::string_view text) const;
  bool empty() const { return nodes_.size() <= 1; }

 private:
  struct Node {
    std::unordered_map<unsigned char, std::int32_t> children;
    const AddedToken* token = nullptr;
  };
  std::vector<Node> nodes_;
  bool first_byte_[256] = {};
};

}  // namespace sentlens::hf
