// Sentence ("chunk") splitting of reasoning traces, as Thought Anchors does it (metrics.md §1.1),
// in two profiles: `reference` (the original code, quirks included) and `clean` (made for
// reasoning text: abbreviations, ellipses, lists, math and code; docs/metrics.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sentlens/util/profile.h"

namespace sentlens {

/// One sentence: a half-open span of the original text in code points (Python string indices)
/// and in UTF-8 bytes. The span includes the sentence's trailing whitespace (metrics.md §1.1 E).
struct Sentence {
  std::int64_t char_start = 0;
  std::int64_t char_end = 0;
  std::int64_t byte_start = 0;
  std::int64_t byte_end = 0;
};

/// Options of split_sentences.
struct SplitOptions {
  Profile profile = Profile::kClean;  // our choice: clean by default, reference for parity
  // Only split the part after the first `<think>` and before `</think>` when the text has them
  // (original code: always on; the prompt and the answer then belong to no sentence).
  bool think_region = true;
  // Chunks shorter than this many code points (after stripping) are merged into the next one
  // (original code: 10, `split_solution_into_chunks`).
  std::int64_t min_chunk_chars = 10;
  // Keep the text after the last boundary as a final sentence. The original HEAD code drops it
  // (metrics.md §1.1 C); the clean profile always keeps it, so this only matters for `reference`
  // (true = the published dataset's chunks.json).
  bool reference_keep_tail = false;
};

/// The result of splitting a text.
struct SplitResult {
  /// The stripped chunk strings (UTF-8), as the original `split_solution_into_chunks` returns them.
  /// Merged chunks are joined by one space, so they need not occur verbatim in the text.
  std::vector<std::string> chunks;
  /// The sentences as spans of the text, in order and non-overlapping. In the reference profile
  /// these are the spans the original white-box code uses (`get_chunk_ranges` then the search of
  /// `get_sentence_token_boundaries`), including its truncation quirk; a chunk the original
  /// search cannot locate is dropped there, so `sentences` may be shorter than `chunks`.
  std::vector<Sentence> sentences;
  /// Reference profile only: the `get_chunk_ranges` character ranges before the white-box search.
  std::vector<Sentence> chunk_ranges;
};

/// Splits UTF-8 `text` into sentences. Throws InputError for invalid UTF-8 (naming the byte
/// offset) and for min_chunk_chars < 0. An empty text gives no sentences.
SplitResult split_sentences(std::string_view text, const SplitOptions& options = {});

/// The text of a sentence span (bytes [byte_start, byte_end) of `text`).
std::string_view sentence_text(std::string_view text, const Sentence& sentence);

/// The split of `text` as JSON, the schema of `sentlens split --json` (docs/cli.md): profile,
/// sentences ({char_start, char_end, byte_start, byte_end, text}) and chunks; invalid UTF-8 is
/// replaced.
std::string split_result_json(std::string_view text, const SplitResult& result, Profile profile,
                              int indent = 2);

}  // namespace sentlens
