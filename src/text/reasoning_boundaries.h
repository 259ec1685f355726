// Private to the text layer: where the clean profile cuts reasoning text into sentences
// (docs/metrics.md, "The clean splitter"). The reference profile keeps the original character
// scan in splitter.cpp.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace sentlens::text_detail {

/// The cut positions in `text` (indices into it, increasing, without 0 and text.size()): each
/// sentence runs from one cut to the next. Whitespace around the cuts is stripped by the caller,
/// so a cut may fall anywhere in the whitespace between two sentences.
std::vector<std::size_t> reasoning_cuts(std::u32string_view text);

}  // namespace sentlens::text_detail
