// The clean profile's sentence boundaries for reasoning text (docs/metrics.md, "The clean
// splitter"): the reference rule (a period, question or exclamation mark before whitespace; a blank
// line) made aware of what model reasoning traces contain — abbreviations, ellipses, list items,
// headings, TeX math, code and line breaks.
#include "text/reasoning_boundaries.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "text/python_text.h"

namespace sentlens::text_detail {

namespace {

constexpr std::size_t npos = std::u32string_view::npos;
// Inline math and inline code longer than this are not believed to be such (a stray `$` or
// backtick would otherwise make every search run to the end of a long line).
constexpr std::size_t kMaxInlineSpan = 2000;

bool is_ascii_lower(char32_t c) {
  return c >= U'a' && c <= U'z';
}
bool is_ascii_upper(char32_t c) {
  return c >= U'A' && c <= U'Z';
}
bool is_digit(char32_t c) {
  return c >= U'0' && c <= U'9';
}
bool is_ascii_letter(char32_t c) {
  return is_ascii_lower(c) || is_ascii_upper(c);
}
// Lower-case letters of ASCII and Latin-1: what a sentence continued on the next line starts with.
bool is_lower(char32_t c) {
  return is_ascii_lower(c) || (c >= 0xDF && c <= 0xFF && c != 0xF7);
}
bool is_upper(char32_t c) {
  return is_ascii_upper(c) || (c >= 0xC0 && c <= 0xDE && c != 0xD7);
}
bool is_horizontal_space(char32_t c) {
  return c != U'\n' && is_space(c);
}
bool is_terminal(char32_t c) {
  return c == U'.' || c == U'?' || c == U'!' || c == U'…';
}
// Full-width terminals end a sentence without a following space (Chinese and Japanese text).
bool is_wide_terminal(char32_t c) {
  return c == U'。' || c == U'！' || c == U'？';
}
// What may stand between a terminal and the whitespace after it: quotes, brackets, Markdown
// emphasis ("**Answer: 4.** Then").
bool is_closer(char32_t c) {
  return c == U'"' || c == U'\'' || c == U')' || c == U']' || c == U'}' || c == U'*' || c == U'_' ||
         c == U'”' || c == U'’' || c == U'»';
}

// Abbreviations, lower-cased, without their final period. Never the end of a sentence:
const std::set<std::u32string> kNeverFinal = {
    U"e.g",  U"i.e", U"vs",  U"cf",     U"dr",  U"mr",  U"mrs", U"ms",   U"prof", U"fig",
    U"figs", U"eq",  U"eqs", U"approx", U"viz", U"thm", U"lem", U"prop", U"resp"};
// An abbreviation only before a number ("No. 5", "Sec. 3", "p. 12"); "No. That is wrong." ends.
const std::set<std::u32string> kBeforeNumber = {U"no",  U"nos", U"p",   U"pp", U"vol",
                                                U"sec", U"ch",  U"ref", U"art"};
// The end of a sentence only when a capital letter follows ("9:00 a.m. at 60 km/h" goes on).
const std::set<std::u32string> kFinalBeforeCapital = {U"a.m", U"p.m", U"etc", U"al", U"inc",
                                                      U"ltd", U"co",  U"jr",  U"sr"};

class Scanner {
 public:
  explicit Scanner(std::u32string_view text) : s_(text), n_(text.size()) {}

  std::vector<std::size_t> run() {
    std::size_t i = 0;
    bool at_line_start = true;
    while (i < n_) {
      if (at_line_start) {
        at_line_start = false;
        line_ends_sentence_ = false;
        const std::size_t first = skip_horizontal(i);
        if (is_fence(first)) {
          i = code_block(i, first);
          continue;
        }
        const std::size_t marker_end = line_marker_end(first);
        if (marker_end != npos) {
          // A list item or heading is a sentence of its own, from its marker to its line's end.
          cut(i);
          line_ends_sentence_ = true;
          i = marker_end;
          continue;
        }
      }
      const char32_t c = s_[i];
      if (c == U'\n') {
        newline(i);
        ++i;
        at_line_start = true;
      } else if (c == U'`') {
        i = inline_code(i);
      } else if (c == U'$' || c == U'\\') {
        i = math(i);
      } else if (c == U'<' && (starts_with(i, U"<think>") || starts_with(i, U"</think>"))) {
        const std::size_t length = s_[i + 1] == U'/' ? 8 : 7;
        cut(i);
        cut(i + length);
        i += length;
      } else if (is_terminal(c) || is_wide_terminal(c)) {
        i = terminal(i);
      } else {
        ++i;
      }
    }
    std::sort(cuts_.begin(), cuts_.end());
    cuts_.erase(std::unique(cuts_.begin(), cuts_.end()), cuts_.end());
    return cuts_;
  }

 private:
  std::u32string_view s_;
  std::size_t n_;
  std::vector<std::size_t> cuts_;
  // The current line is a list item or heading, so its line break ends a sentence.
  bool line_ends_sentence_ = false;
  // Where each closing delimiter of display math ("$$", "\\]", "\\)", "\\end{name}") occurs,
  // indexed once so that many unclosed openers cost no repeated search.
  std::map<std::u32string, std::vector<std::size_t>> closings_;
  bool closings_indexed_ = false;
  // The first stop (a valid closing `$` or a line break) at or after dollar_search_from_.
  std::size_t dollar_search_from_ = npos;
  std::size_t dollar_stop_ = 0;

  void cut(std::size_t at) {
    if (at > 0 && at < n_) cuts_.push_back(at);
  }

  bool starts_with(std::size_t i, std::u32string_view prefix) const {
    return s_.compare(i, prefix.size(), prefix) == 0;
  }

  std::size_t skip_horizontal(std::size_t i) const {
    while (i < n_ && is_horizontal_space(s_[i])) ++i;
    return i;
  }

  std::size_t line_end(std::size_t i) const {
    const std::size_t newline = s_.find(U'\n', i);
    return newline == npos ? n_ : newline;
  }

  // The first visible character after `i` on the same line, or 0 at the line's end.
  char32_t next_on_line(std::size_t i) const {
    const std::size_t q = skip_horizontal(i);
    return q < n_ && s_[q] != U'\n' ? s_[q] : 0;
  }

  // The length of a `\\begin{name}` or `\\end{name}` tag's name at `name_begin`, or npos.
  std::size_t environment_name_length(std::size_t name_begin) const {
    const std::size_t close = s_.substr(name_begin, 41).find(U'}');
    return close == 0 ? npos : close;
  }

  std::size_t find_closing(std::size_t from, const std::u32string& delimiter) {
    if (!closings_indexed_) {
      closings_indexed_ = true;
      for (std::size_t p = 0; p + 1 < n_; ++p) {
        if (starts_with(p, U"$$") || starts_with(p, U"\\]") || starts_with(p, U"\\)")) {
          closings_[std::u32string(s_.substr(p, 2))].push_back(p);
        } else if (starts_with(p, U"\\end{")) {
          const std::size_t length = environment_name_length(p + 5);
          if (length != npos) closings_[std::u32string(s_.substr(p, length + 6))].push_back(p);
        }
      }
    }
    const auto found = closings_.find(delimiter);
    if (found == closings_.end()) return npos;
    const auto at = std::lower_bound(found->second.begin(), found->second.end(), from);
    return at == found->second.end() ? npos : *at;
  }

  // The first valid closing `$` (Pandoc: after a visible character, not before a digit, not
  // escaped) or line break at or after `from`. Queries come in increasing order, so the search
  // resumes where the last one stopped and the whole scan stays linear.
  std::size_t dollar_stop(std::size_t from) {
    if (dollar_search_from_ != npos && dollar_search_from_ <= from && dollar_stop_ >= from) {
      return dollar_stop_;
    }
    std::size_t k = from;
    while (k < n_ && s_[k] != U'\n' &&
           !(s_[k] == U'$' && s_[k - 1] != U'\\' && !is_space(s_[k - 1]) &&
             (k + 1 >= n_ || !is_digit(s_[k + 1])))) {
      ++k;
    }
    dollar_search_from_ = from;
    dollar_stop_ = k;
    return k;
  }

  bool is_fence(std::size_t i) const { return starts_with(i, U"```") || starts_with(i, U"~~~"); }

  // Where a list marker ("- ", "* ", "• ", "1. ", "2) ", "(a) ", "b) ", "iv. ") or a Markdown
  // heading ("## ") that begins at `i` ends, or npos.
  std::size_t line_marker_end(std::size_t i) const {
    auto followed_by_space = [&](std::size_t end) {
      return end < n_ && is_horizontal_space(s_[end]) ? end : npos;
    };
    if (i >= n_) return npos;
    const char32_t c = s_[i];
    if (c == U'-' || c == U'*' || c == U'+' || c == U'•' || c == U'‣' || c == U'◦' || c == U'▪' ||
        c == U'–') {
      return followed_by_space(i + 1);
    }
    if (c == U'#') {
      std::size_t end = i;
      while (end < n_ && s_[end] == U'#' && end - i < 6) ++end;
      return followed_by_space(end);
    }
    if (c == U'(') {
      std::size_t end = i + 1;
      while (end < n_ && end - i <= 4 && (is_digit(s_[end]) || is_ascii_letter(s_[end]))) ++end;
      if (end == i + 1 || end >= n_ || s_[end] != U')') return npos;
      return followed_by_space(end + 1);
    }
    std::size_t end = i;
    if (is_digit(c)) {
      while (end < n_ && end - i < 3 && is_digit(s_[end])) ++end;
    } else if (is_ascii_letter(c)) {
      // One letter ("a)", "B.") or a small roman numeral ("iv.").
      while (end < n_ && end - i < 4 && std::u32string_view(U"ivxlc").find(s_[end]) != npos) ++end;
      if (end == i) end = i + 1;
    } else {
      return npos;
    }
    if (end >= n_ || (s_[end] != U'.' && s_[end] != U')')) return npos;
    return followed_by_space(end + 1);
  }

  // A line break: a blank line ends a paragraph; a single break ends a sentence unless the next
  // line continues it (starts with a lower-case letter, math or `=`), except after a list item.
  void newline(std::size_t i) {
    const std::size_t next = i + 1;
    const std::size_t first = skip_horizontal(next);
    if (first >= n_ || s_[first] == U'\n' || line_ends_sentence_ || !continues_sentence(first)) {
      cut(next);
    }
  }

  bool continues_sentence(std::size_t i) const {
    if (is_fence(i) || line_marker_end(i) != npos) return false;
    const char32_t c = s_[i];
    return is_lower(c) || c == U'=' || c == U'$' || starts_with(i, U"\\[") ||
           starts_with(i, U"\\(") || starts_with(i, U"\\begin{");
  }

  // A fenced code block from its opening line through its closing fence line (or the end of the
  // text): one sentence, nothing inside is a boundary.
  std::size_t code_block(std::size_t line_start, std::size_t fence) {
    const std::u32string_view marker = s_.substr(fence, 3);
    cut(line_start);
    std::size_t line = line_end(fence);
    while (line < n_) {
      const std::size_t first = skip_horizontal(line + 1);
      const std::size_t end = line_end(first);
      if (starts_with(first, marker)) {
        cut(end);
        return end;
      }
      line = end;
    }
    return n_;
  }

  std::size_t inline_code(std::size_t i) {
    std::size_t run = i;
    while (run < n_ && s_[run] == U'`') ++run;
    const std::u32string_view ticks = s_.substr(i, run - i);
    if (ticks.size() > 16) return run;
    const std::size_t limit = std::min(n_, run + kMaxInlineSpan);
    for (std::size_t k = run; k < limit && s_[k] != U'\n'; ++k) {
      if (starts_with(k, ticks)) return k + ticks.size();
    }
    return run;
  }

  // TeX math: display ($$...$$, \[...\], \begin{env}...\end{env}) may span lines; inline
  // (\(...\), and $...$ by Pandoc's rule so that "$5 and $10" stays text) stays on its line.
  // Nothing inside is a boundary; math that ends with a terminal ends the sentence.
  std::size_t math(std::size_t i) {
    if (starts_with(i, U"$$")) return display(i, 2, U"$$");
    if (starts_with(i, U"\\[")) return display(i, 2, U"\\]");
    if (starts_with(i, U"\\begin{")) {
      const std::size_t length = environment_name_length(i + 7);
      if (length == npos) return i + 1;
      const std::u32string name(s_.substr(i + 7, length));
      return display(i, length + 8, U"\\end{" + name + U"}");
    }
    if (starts_with(i, U"\\(")) {
      const std::size_t close = find_closing(i + 2, U"\\)");
      if (close == npos || close - i > kMaxInlineSpan) return i + 2;
      return after_math(i + 2, close, close + 2);
    }
    if (s_[i] != U'$' || (i > 0 && s_[i - 1] == U'\\')) return i + 1;
    if (i + 1 >= n_ || is_space(s_[i + 1])) return i + 1;
    const std::size_t close = dollar_stop(i + 2);
    if (close >= n_ || s_[close] != U'$' || close - i > kMaxInlineSpan) return i + 1;
    return after_math(i + 1, close, close + 1);
  }

  std::size_t display(std::size_t i, std::size_t opening_length, const std::u32string& closing) {
    const std::size_t close = find_closing(i + opening_length, closing);
    if (close == npos) return i + opening_length;  // unclosed: ordinary text
    return after_math(i + opening_length, close, close + closing.size());
  }

  std::size_t after_math(std::size_t content_begin, std::size_t content_end, std::size_t end) {
    std::size_t last = content_end;
    while (last > content_begin && is_space(s_[last - 1])) --last;
    if (last > content_begin && is_terminal(s_[last - 1]) && end < n_ && is_space(s_[end])) {
      cut(end);
    }
    return end;
  }

  // The letters (and inner periods) of the word that ends right before `i`, lower-cased:
  // "e.g" for "e.g.", "dr" for "Dr."; empty when no word ends there.
  std::u32string word_before(std::size_t i) const {
    std::size_t begin = i;
    while (begin > 0 && i - begin < 16 &&
           (is_ascii_letter(s_[begin - 1]) || s_[begin - 1] == U'.')) {
      --begin;
    }
    while (begin < i && s_[begin] == U'.') ++begin;
    if (begin == i || (begin > 0 && is_word(s_[begin - 1]))) return {};
    std::u32string word(s_.substr(begin, i - begin));
    for (char32_t& c : word) {
      if (is_ascii_upper(c)) c = c - U'A' + U'a';
    }
    return word;
  }

  // A run of terminals at `i`. It ends a sentence when whitespace follows (after closing quotes,
  // brackets or emphasis), unless it ends an abbreviation, is an ellipsis or a factorial that the
  // sentence goes on after. Where the line ends right after one of those, the line-break rule
  // decides.
  std::size_t terminal(std::size_t i) {
    std::size_t j = i;
    bool wide = false;
    while (j < n_ && (is_terminal(s_[j]) || is_wide_terminal(s_[j]))) {
      wide = wide || is_wide_terminal(s_[j]);
      ++j;
    }
    std::size_t k = j;
    while (k < n_ && is_closer(s_[k])) ++k;
    if (k >= n_) return k;
    if (!is_space(s_[k])) {
      if (wide) cut(k);
      return j;  // "3.5", "e.g.,", "x.y": not a boundary
    }
    const std::u32string_view run = s_.substr(i, j - i);
    const char32_t next = next_on_line(k);
    auto cut_before_capital = [&] {
      if (next != 0 && is_upper(next)) cut(k);
      return k;
    };
    if (run.find(U'…') != npos || (run.size() >= 2 && run.find_first_not_of(U'.') == npos)) {
      return cut_before_capital();
    }
    if (run == U".") {
      const std::u32string word = word_before(i);
      if (kNeverFinal.count(word) != 0) return k;
      if (kBeforeNumber.count(word) != 0 && (is_digit(next) || next == U'(' || next == U'#')) {
        return k;
      }
      // Initialisms with inner periods ("U.S.", "Ph.D.") behave like "a.m.".
      if (kFinalBeforeCapital.count(word) != 0 || word.find(U'.') != std::u32string::npos) {
        return cut_before_capital();
      }
    }
    if (run == U"!" && i > 0 && next != 0 && !is_upper(next)) {
      // "5! = 120", "n! ways", "(n-1)! terms": a factorial, not an exclamation.
      const char32_t before = s_[i - 1];
      const bool one_letter = is_ascii_letter(before) && (i < 2 || !is_word(s_[i - 2]));
      if (is_digit(before) || before == U')' || one_letter) return k;
    }
    cut(k);
    return k;
  }
};

}  // namespace

std::vector<std::size_t> reasoning_cuts(std::u32string_view text) {
  return Scanner(text).run();
}

}  // namespace sentlens::text_detail
