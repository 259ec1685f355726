// Private: the decoders of tokenizer.json (ByteLevel, Metaspace, Replace, ByteFallback, Fuse,
// Strip, BPEDecoder, Sequence), turning token strings back into text as Tokenizers.js does.
#pragma once

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "tokenizer/component_config.h"

namespace sentlens::hf {

class Decoder {
 public:
  virtual ~Decoder() = default;
  /// Rewrites the list of token strings (decoders compose as a chain).
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

/// The decoder a "decoder" object describes; nullptr for JSON null. `added_tokens` holds the
/// contents of the added tokens (the ByteLevel decoder passes them through unchanged).
std::unique_ptr<Decoder> make_decoder(const Json& config, const std::string& where,
                                      const std::unordered_set<std::string>& added_tokens);

/// The ByteLevel decoder as the GPT-2 loader configures it.
std::unique_ptr<Decoder> make_byte_level_decoder(
    const std::unordered_set<std::string>& added_tokens);

}  // namespace sentlens::hf
