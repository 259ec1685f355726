// Sentence splitting of reasoning traces (metrics.md §1.1): the reference profile's character
// scan, the clean profile's reasoning-text boundaries (reasoning_boundaries.h), the short-chunk
// merge both share, and the reference span recovery.
#include "sentlens/text/splitter.h"

#include "text/python_text.h"
#include "text/reasoning_boundaries.h"
#include "util/check.h"
#include "util/log.h"

namespace sentlens {

namespace td = text_detail;

namespace {

/// A chunk while splitting: its stripped text (merged chunks joined by one space, as the original
/// does) and the span of its content in the full text, in code points.
struct Piece {
  std::u32string text;
  std::int64_t begin = 0;
  std::int64_t end = 0;
};

/// §1.1 A: the span of the full text that is split. The original keeps the part between the
/// first and the second `<think>`, strips it, cuts it at the first `</think>` and strips again.
std::pair<std::int64_t, std::int64_t> think_region(std::u32string_view text, bool enabled) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  auto strip_in_place = [&] {
    const auto [b, e] = td::strip_range(text.substr(begin, end - begin));
    end = begin + e;
    begin += b;
  };
  if (enabled) {
    const std::size_t open = text.find(U"<think>");
    if (open != std::u32string_view::npos) {
      begin = open + 7;
      const std::size_t second = text.find(U"<think>", begin);
      if (second != std::u32string_view::npos) end = second;
      strip_in_place();
    }
    const std::size_t close = text.substr(begin, end - begin).find(U"</think>");
    if (close != std::u32string_view::npos) {
      end = begin + close;
      strip_in_place();
    }
  }
  return {static_cast<std::int64_t>(begin), static_cast<std::int64_t>(end)};
}

/// §1.1 B–C: the character scan. A boundary follows "\n\n" / "\r\n\r\n" (firing on the first
/// newline) or one of . ? ! followed by a space or newline; a whitespace-only buffer is kept.
std::vector<Piece> scan_chunks(std::u32string_view full, std::int64_t region_begin,
                               std::int64_t region_end, bool keep_tail) {
  const std::u32string_view s = full.substr(static_cast<std::size_t>(region_begin),
                                            static_cast<std::size_t>(region_end - region_begin));
  const std::size_t n = s.size();
  std::vector<Piece> pieces;
  std::size_t current = 0;  // start of the current buffer
  auto emit = [&](std::size_t buffer_end) -> bool {
    const auto [b, e] = td::strip_range(s.substr(current, buffer_end - current));
    if (b == e) return false;
    pieces.push_back(Piece{std::u32string(s.substr(current + b, e - b)),
                           region_begin + static_cast<std::int64_t>(current + b),
                           region_begin + static_cast<std::int64_t>(current + e)});
    return true;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const bool paragraph = (i + 2 <= n && s[i] == U'\n' && s[i + 1] == U'\n') ||
                           (i + 4 <= n && s.substr(i, 4) == U"\r\n\r\n");
    const bool sentence = i + 1 < n && (s[i] == U'.' || s[i] == U'?' || s[i] == U'!') &&
                          (s[i + 1] == U' ' || s[i + 1] == U'\n');
    if ((paragraph || sentence) && emit(i + 1)) current = i + 1;
  }
  if (keep_tail) emit(n);
  return pieces;
}

/// The clean profile's chunks: the region cut where reasoning_cuts says, each piece stripped.
std::vector<Piece> clean_chunks(std::u32string_view full, std::int64_t region_begin,
                                std::int64_t region_end) {
  const std::u32string_view s = full.substr(static_cast<std::size_t>(region_begin),
                                            static_cast<std::size_t>(region_end - region_begin));
  std::vector<std::size_t> bounds = td::reasoning_cuts(s);
  bounds.insert(bounds.begin(), 0);
  bounds.push_back(s.size());
  std::vector<Piece> pieces;
  for (std::size_t k = 0; k + 1 < bounds.size(); ++k) {
    const std::u32string_view part = s.substr(bounds[k], bounds[k + 1] - bounds[k]);
    const auto [b, e] = td::strip_range(part);
    if (b == e) continue;
    pieces.push_back(Piece{std::u32string(part.substr(b, e - b)),
                           region_begin + static_cast<std::int64_t>(bounds[k] + b),
                           region_begin + static_cast<std::int64_t>(bounds[k] + e)});
  }
  return pieces;
}

/// §1.1 D: chunks shorter than `min_chars` are prepended to the next chunk (the last one is
/// appended to the previous), joined by a space; stops when one chunk is left.
void merge_short(std::vector<Piece>& pieces, std::int64_t min_chars) {
  auto join = [](const Piece& a, const Piece& b) {
    return Piece{a.text + U" " + b.text, a.begin, b.end};
  };
  std::size_t i = 0;
  while (i < pieces.size()) {
    if (static_cast<std::int64_t>(pieces[i].text.size()) < min_chars) {
      if (i + 1 == pieces.size()) {
        if (i > 0) {
          pieces[i - 1] = join(pieces[i - 1], pieces[i]);
          pieces.erase(pieces.begin() + static_cast<std::ptrdiff_t>(i));
        }
      } else {
        pieces[i + 1] = join(pieces[i], pieces[i + 1]);
        pieces.erase(pieces.begin() + static_cast<std::ptrdiff_t>(i));
      }
      if (i == 0 && pieces.size() == 1) break;
    } else {
      ++i;
    }
  }
}

/// The whitespace-normalised window search of `get_chunk_ranges`, used when the chunk does not
/// occur verbatim (merged chunks joined by a space where the text has a newline). Returns npos
/// when the original would not find it either.
std::size_t fuzzy_find(std::u32string_view full, std::u32string_view chunk, std::size_t from) {
  const std::u32string normalized = td::strip(td::collapse_spaces(chunk));
  const std::vector<std::u32string> words = td::split_words(normalized);
  const auto n = static_cast<std::int64_t>(full.size());
  const auto length = static_cast<std::int64_t>(normalized.size());
  auto starts_with = [](const std::u32string& text, const std::u32string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
  };
  for (std::int64_t i = static_cast<std::int64_t>(from); i < n - length; ++i) {
    const std::u32string window =
        td::strip(td::collapse_spaces(td::slice(full, i, i + length + 20)));
    if (starts_with(window, normalized)) return static_cast<std::size_t>(i);
    // After 100 positions the original switches to a first-word search over the rest of the
    // text and then gives up whatever it found (`if i == current_pos + 100`).
    if (i == static_cast<std::int64_t>(from) + 100) {
      const std::u32string& first = words.front();
      const auto first_length = static_cast<std::int64_t>(first.size());
      for (std::int64_t j = static_cast<std::int64_t>(from); j < n - 10; ++j) {
        // re.match(r"\b" + escape(first) + r"\b", full[j : j + len(first) + 5])
        const std::u32string_view piece = td::slice(full, j, j + first_length + 5);
        if (piece.substr(0, std::min(piece.size(), first.size())) != first) continue;
        const bool left = td::is_word(first.front());  // \b at the start of the slice
        const char32_t after = first.size() < piece.size() ? piece[first.size()] : U' ';
        const bool right = td::is_word(first.back()) != td::is_word(after);
        if (!left || !right) continue;
        const std::u32string match =
            td::strip(td::collapse_spaces(td::slice(full, j, j + length + 30)));
        if (starts_with(match, normalized)) return static_cast<std::size_t>(j);
      }
      break;
    }
  }
  return std::u32string_view::npos;
}

/// §1.1 E: `get_chunk_ranges`. Each chunk is searched from the end of the previous range; the end
/// comes from matching whitespace-free content and extends over the following whitespace.
/// [QUIRK] The end loop stops once `chunk_end + i` reaches the text length, and chunk_end grows
/// with i, so a chunk starting past about half of the remaining text is truncated; the golden
/// split files carry this (e.g. "Fine. Good." -> "Fine. G").
std::vector<std::pair<std::int64_t, std::int64_t>> reference_chunk_ranges(
    std::u32string_view full, const std::vector<Piece>& pieces) {
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
  const auto n = static_cast<std::int64_t>(full.size());
  std::size_t current = 0;
  for (const Piece& piece : pieces) {
    std::size_t start = td::find(full, piece.text, current);
    if (start == std::u32string_view::npos) start = fuzzy_find(full, piece.text, current);
    if (start == std::u32string_view::npos) {
      logger().warn(
          "reference splitter: chunk not found in the text, dropped (as the original "
          "code does): {:.50}",
          td::encode_utf8(piece.text));
      continue;
    }
    const std::u32string chunk_content = td::remove_spaces(piece.text);
    const std::u32string text_content =
        td::remove_spaces(td::slice(full, static_cast<std::int64_t>(start),
                                    static_cast<std::int64_t>(start + piece.text.size() + 50)));
    std::size_t matched_length = 0;
    while (matched_length < std::min(chunk_content.size(), text_content.size()) &&
           chunk_content[matched_length] == text_content[matched_length]) {
      ++matched_length;
    }
    auto chunk_end = static_cast<std::int64_t>(start);
    std::size_t content_seen = 0;
    const auto begin = static_cast<std::int64_t>(start);
    for (std::int64_t i = 0; i < n - begin; ++i) {
      if (chunk_end + i >= n) break;
      if (!td::is_space(full[static_cast<std::size_t>(begin + i)])) ++content_seen;
      if (content_seen > matched_length) break;
      chunk_end = begin + i;
    }
    chunk_end += 1;
    current = static_cast<std::size_t>(chunk_end);
    ranges.emplace_back(begin, chunk_end);
  }
  return ranges;
}

/// §1.2 step 1–2: the white-box code locates each sentence (with its spacing) again, searching
/// from the end of the previous one in a copy of the text where Unicode spaces became ' '.
std::vector<std::pair<std::int64_t, std::int64_t>> whitebox_locate(
    std::u32string_view full, const std::vector<std::pair<std::int64_t, std::int64_t>>& ranges) {
  auto normalize = [](std::u32string_view text) {
    std::u32string out(text);
    for (char32_t& c : out) {
      if (c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F ||
          c == 0x3000 || c == 0xFEFF) {
        c = U' ';
      }
    }
    return out;
  };
  const std::u32string text = normalize(full);
  std::vector<std::pair<std::int64_t, std::int64_t>> located;
  std::size_t search_start = 0;
  for (const auto& [begin, end] : ranges) {
    const std::u32string sentence = normalize(td::slice(full, begin, end));
    std::size_t position = td::find(text, sentence, search_start);
    std::size_t stop = 0;
    if (position != std::u32string::npos) {
      stop = position + sentence.size();
    } else {
      const std::u32string stripped = td::strip(sentence);
      position = td::find(text, stripped, search_start);
      SENTLENS_CHECK(position != std::u32string::npos, InputError,
                     "reference splitter: sentence {} not found in the text", located.size());
      stop = position + stripped.size();
    }
    located.emplace_back(static_cast<std::int64_t>(position), static_cast<std::int64_t>(stop));
    search_start = stop;
  }
  return located;
}

Sentence make_sentence(const std::vector<std::int64_t>& byte_offsets, std::int64_t begin,
                       std::int64_t end) {
  return Sentence{begin, end, byte_offsets[static_cast<std::size_t>(begin)],
                  byte_offsets[static_cast<std::size_t>(end)]};
}

}  // namespace

SplitResult split_sentences(std::string_view text, const SplitOptions& options) {
  SENTLENS_CHECK(options.min_chunk_chars >= 0, InputError, "min_chunk_chars must be >= 0, got {}",
                 options.min_chunk_chars);
  const std::u32string full = td::decode_utf8(text);
  const std::vector<std::int64_t> byte_offsets = td::char_to_byte_offsets(full);
  const bool reference = options.profile == Profile::kReference;

  const auto [region_begin, region_end] = think_region(full, options.think_region);
  std::vector<Piece> pieces =
      reference ? scan_chunks(full, region_begin, region_end, options.reference_keep_tail)
                : clean_chunks(full, region_begin, region_end);
  merge_short(pieces, options.min_chunk_chars);

  SplitResult result;
  for (const Piece& piece : pieces) result.chunks.push_back(td::encode_utf8(piece.text));

  if (reference) {
    const auto ranges = reference_chunk_ranges(full, pieces);
    for (const auto& [begin, end] : ranges) {
      result.chunk_ranges.push_back(make_sentence(byte_offsets, begin, end));
    }
    for (const auto& [begin, end] : whitebox_locate(full, ranges)) {
      result.sentences.push_back(make_sentence(byte_offsets, begin, end));
    }
    return result;
  }
  // Clean: the scan's own positions; each sentence runs to the start of the next one (so it
  // keeps its trailing whitespace, as in the reference) and the last ends with its content.
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    const std::int64_t end = k + 1 < pieces.size() ? pieces[k + 1].begin : pieces[k].end;
    result.sentences.push_back(make_sentence(byte_offsets, pieces[k].begin, end));
  }
  return result;
}

std::string_view sentence_text(std::string_view text, const Sentence& sentence) {
  SENTLENS_CHECK(sentence.byte_start >= 0 && sentence.byte_start <= sentence.byte_end &&
                     sentence.byte_end <= static_cast<std::int64_t>(text.size()),
                 InputError, "sentence bytes [{}, {}) lie outside the text of {} bytes",
                 sentence.byte_start, sentence.byte_end, text.size());
  return text.substr(static_cast<std::size_t>(sentence.byte_start),
                     static_cast<std::size_t>(sentence.byte_end - sentence.byte_start));
}

}  // namespace sentlens
