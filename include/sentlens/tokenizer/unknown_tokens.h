// Text a tokenizer cannot represent: every such span becomes the same unknown token (<unk>), so
// the model sees one id for all of them. Commands warn with the count and the first examples.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sentlens/tokenizer/tokenizer.h"

namespace sentlens {

struct UnknownTokens {
  std::int64_t count = 0;             // tokens that are the unknown token
  std::vector<std::string> examples;  // the text of the first distinct ones
};

/// Tokens whose piece is the unknown token (`<unk>`, `[UNK]`, `<|unk|>`), with up to
/// `max_examples` distinct texts they stand for (the token's byte span of `text`).
UnknownTokens find_unknown_tokens(const Encoding& encoding, std::string_view text,
                                  std::size_t max_examples = 5);

/// "N of T tokens are unknown to the tokenizer (<unk>): 'x', '→', ...; the model sees one token
/// for all of them", or nothing when there are none.
std::optional<std::string> unknown_tokens_warning(const Encoding& encoding, std::string_view text);

}  // namespace sentlens
