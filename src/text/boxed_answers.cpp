#include "sentlens/text/boxed_answers.h"

#include <unicode/uchar.h>

#include "text/python_text.h"
#include "tokenizer/js_text.h"

namespace sentlens {
namespace {

using text_detail::decode_utf8;
using text_detail::encode_utf8;
using text_detail::is_space;
using text_detail::replace_all;

// Python's `\d` in a str pattern: Unicode category Nd.
bool is_decimal_digit(char32_t c) {
  return u_charType(static_cast<UChar32>(c)) == U_DECIMAL_DIGIT_NUMBER;
}

std::size_t digit_run_end(const std::u32string& text, std::size_t from) {
  while (from < text.size() && is_decimal_digit(text[from])) ++from;
  return from;
}

// re.sub(r"(\d+)[\.,](\d+)", r"\1.\2", text). Greedy digits cannot backtrack into a separator,
// so a match at p exists exactly when p's digit run is followed by `.` or `,` and a digit.
std::u32string normalize_decimal_separators(const std::u32string& text) {
  std::u32string out;
  std::size_t p = 0;
  while (p < text.size()) {
    if (is_decimal_digit(text[p])) {
      const std::size_t separator = digit_run_end(text, p);
      if (separator + 1 < text.size() && (text[separator] == U'.' || text[separator] == U',') &&
          is_decimal_digit(text[separator + 1])) {
        const std::size_t end = digit_run_end(text, separator + 1);
        out.append(text, p, separator - p);
        out.push_back(U'.');
        out.append(text, separator + 1, end - separator - 1);
        p = end;
        continue;
      }
    }
    out.push_back(text[p]);
    ++p;
  }
  return out;
}

// One pass of re.sub(prefix + r"\{([^{}]+)\}", r"\1", text): the prefix and the braces go, the
// brace-free content stays.
std::u32string unwrap_braced(const std::u32string& text, std::u32string_view prefix) {
  std::u32string out;
  std::size_t p = 0;
  while (p < text.size()) {
    if (text.compare(p, prefix.size(), prefix) == 0 && p + prefix.size() < text.size() &&
        text[p + prefix.size()] == U'{') {
      const std::size_t open = p + prefix.size();
      std::size_t close = open + 1;
      while (close < text.size() && text[close] != U'{' && text[close] != U'}') ++close;
      if (close < text.size() && text[close] == U'}' && close > open + 1) {
        out.append(text, open + 1, close - open - 1);
        p = close + 1;
        continue;
      }
    }
    out.push_back(text[p]);
    ++p;
  }
  return out;
}

bool is_ascii_lower(char32_t c) {
  return c >= U'a' && c <= U'z';
}

// re.sub(r"([a-z]+)\\+\s*(\d+)", r"\1\2", text): "october\\ 30" -> "october30".
std::u32string join_word_number(const std::u32string& text) {
  std::u32string out;
  std::size_t p = 0;
  while (p < text.size()) {
    if (is_ascii_lower(text[p])) {
      std::size_t letters_end = p;
      while (letters_end < text.size() && is_ascii_lower(text[letters_end])) ++letters_end;
      std::size_t backslashes_end = letters_end;
      while (backslashes_end < text.size() && text[backslashes_end] == U'\\') ++backslashes_end;
      std::size_t digits_start = backslashes_end;
      while (digits_start < text.size() && is_space(text[digits_start])) ++digits_start;
      const std::size_t digits_end = digit_run_end(text, digits_start);
      if (backslashes_end > letters_end && digits_end > digits_start) {
        out.append(text, p, letters_end - p);
        out.append(text, digits_start, digits_end - digits_start);
        p = digits_end;
        continue;
      }
    }
    out.push_back(text[p]);
    ++p;
  }
  return out;
}

}  // namespace

std::vector<std::string> extract_boxed_answers(std::string_view text) {
  static constexpr std::string_view kBoxed = "\\boxed{";
  std::vector<std::string> answers;
  for (std::size_t start = text.find(kBoxed); start != std::string_view::npos;
       start = text.find(kBoxed, start + kBoxed.size())) {
    int depth = 1;
    std::string answer;
    for (std::size_t i = start + kBoxed.size(); i < text.size(); ++i) {
      const char c = text[i];
      if (c == '{') ++depth;
      if (c == '}' && --depth == 0) break;
      answer.push_back(c);
    }
    if (!answer.empty()) answers.push_back(std::move(answer));
  }
  if (answers.empty()) answers.emplace_back();
  return answers;
}

std::string first_boxed_answer(std::string_view text) {
  return extract_boxed_answers(text)[0];
}

std::string normalize_answer(std::string_view answer) {
  const std::u32string decoded = decode_utf8(answer);
  std::u32string text = decode_utf8(hf::to_lower(encode_utf8(text_detail::strip(decoded))));
  text = replace_all(text, U"dfrac", U"frac");
  text = replace_all(text, U"tfrac", U"frac");
  text = text_detail::remove_spaces(text);
  text = replace_all(text, U"\\%", U"");
  text = replace_all(text, U"{,}", U"");
  text = replace_all(text, U"\\times", U"*");
  text = replace_all(text, U"\\cdot", U"*");
  text = normalize_decimal_separators(text);
  text = unwrap_braced(text, U"");
  text = replace_all(text, U"\\pi", U"pi");
  text = unwrap_braced(text, U"\\text");
  text = unwrap_braced(text, U"\\mathrm");
  text = join_word_number(text);
  text = replace_all(text, U"\\text", U"");
  return encode_utf8(text);
}

bool answers_match(std::string_view answer, std::string_view ground_truth) {
  return normalize_answer(answer) == normalize_answer(ground_truth);
}

}  // namespace sentlens
