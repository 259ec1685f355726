// Sentences that do not come from splitting the whole text: the response part only (a prompt of
// known length or ending at a marker), or chunks given by the user (the Thought Anchors data sets'
// pre-split `chunks`), located in the text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sentlens/text/splitter.h"

namespace sentlens {

/// The code-point index right after the first occurrence of `marker` in `text` (where the response
/// starts). Throws InputError when the marker is empty or absent.
std::int64_t find_response_start(std::string_view text, std::string_view marker);

/// Where the response starts when the prompt is given by its length in code points or by the
/// marker that ends it (find_response_start); nullopt when neither is given. Throws InputError when
/// both are given.
std::optional<std::int64_t> response_char_start(std::string_view text,
                                                const std::optional<std::int64_t>& prompt_chars,
                                                const std::optional<std::string>& response_marker);

/// Splits only text[response_char_start:] (code points) and returns spans of the whole text: the
/// prompt before it belongs to no sentence (a start of 0 splits the whole text, as
/// split_sentences). Throws InputError when the start lies outside the text.
SplitResult split_response(std::string_view text, std::int64_t response_char_start,
                           const SplitOptions& options);

/// Locates `chunks` in order in text[from_char:]. Whitespace is ignored while matching (merged
/// chunks are joined by one space in the original, so they need not occur verbatim); each sentence
/// runs from its chunk's first character to the next chunk's first character (trailing whitespace
/// included, as split_sentences does), the last one to the end of its chunk plus trailing
/// whitespace. Throws InputError naming the chunk index and its beginning when it is not found,
/// and for an empty chunk list or a chunk with no visible character.
SplitResult locate_chunks(std::string_view text, const std::vector<std::string>& chunks,
                          std::int64_t from_char = 0);

}  // namespace sentlens
