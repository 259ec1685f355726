// Private: the pre-tokenizers of tokenizer.json (ByteLevel, Split, Metaspace, Digits, Whitespace,
// WhitespaceSplit, Sequence). They cut a normalized section into pieces that the model encodes
// one by one, keeping every byte aligned to the original text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/component_config.h"
#include "tokenizer/normalized_string.h"

namespace sentlens::hf {

/// A normalized section and the pieces it is cut into: ordered, disjoint ranges of its bytes.
struct PreTokenized {
  NormalizedString string;
  std::vector<ByteRange> pieces;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  /// Cuts (and may rewrite) the pieces. `section_index` is the index of the section among the text
  /// split at added tokens (Metaspace's "first" prepend scheme looks at it).
  virtual void pre_tokenize(PreTokenized& text, std::size_t section_index) const = 0;
};

/// The pre-tokenizer a tokenizer.json "pre_tokenizer" object describes; nullptr for JSON null.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& config, const std::string& where);

/// GPT-2's byte-to-character table: the character (as UTF-8) that byte b is spelled with.
const std::string& byte_level_char(unsigned char b);
/// The byte a byte-level character stands for, or -1 when `c` is not one of the 256.
int byte_level_byte(char32_t c);

/// The ByteLevel pre-tokenizer as the GPT-2 loader configures it.
std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex);

}  // namespace sentlens::hf
