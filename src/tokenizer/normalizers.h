// Private: the normalizers of tokenizer.json (Sequence, Prepend, Replace, NFC/NFD/NFKC/NFKD,
// Lowercase, Strip, StripAccents), each keeping the alignment to the original text.
#pragma once

#include <memory>
#include <string>

#include "tokenizer/component_config.h"
#include "tokenizer/normalized_string.h"

namespace sentlens::hf {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString& text) const = 0;
};

/// The normalizer a tokenizer.json "normalizer" object describes; nullptr for JSON null.
std::unique_ptr<Normalizer> make_normalizer(const Json& config, const std::string& where);

}  // namespace sentlens::hf
