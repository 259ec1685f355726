// Python's string rules as the text layer reproduces them (text/python_text.h), each case checked
// by hand against what CPython 3 prints for the same call.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sentlens/error.h"
#include "test_support.h"
#include "text/python_text.h"

namespace sentlens::text_detail {
namespace {

TEST(PythonText, ReplaceAllIsStrReplace) {
  // "aaa".replace("aa", "b") == "ba": non-overlapping, left to right.
  EXPECT_EQ(replace_all(U"aaa", U"aa", U"b"), U"ba");
  EXPECT_EQ(replace_all(U"\\dfrac{1}{2} + \\dfrac{3}{4}", U"dfrac", U"frac"),
            U"\\frac{1}{2} + \\frac{3}{4}");
  EXPECT_EQ(replace_all(U"no match", U"xyz", U"q"), U"no match");
  EXPECT_EQ(replace_all(U"abc", U"", U"-"), U"abc") << "an empty pattern changes nothing here";
  // UTF-8: "café. Café." with the first sentence removed, as the rollouts' prefix is built.
  EXPECT_EQ(replace_all(std::string("caf\xC3\xA9. Caf\xC3\xA9."), std::string("caf\xC3\xA9."), ""),
            " Caf\xC3\xA9.");
  EXPECT_EQ(replace_all(std::string("x-x-x"), std::string("-"), std::string("+")), "x+x+x");
}

TEST(PythonText, WhitespaceRulesAreStrIsspace) {
  // str.isspace(): ASCII whitespace, the information separators U+001C..U+001F, NBSP, U+2028.
  for (char32_t c : {U' ', U'\t', U'\n', U'\x1c', U'\x1f', U'\u00a0', U'\u2028', U'\u3000'}) {
    EXPECT_TRUE(is_space(c)) << static_cast<unsigned>(c);
  }
  for (char32_t c : {U'a', U'_', U'\u200b', U'\ufeff'}) EXPECT_FALSE(is_space(c));
  // "  a b \n".strip() == "a b"; re.sub(r"\s+", " ", ...) == " a b "; .split() == ["a", "b"].
  EXPECT_EQ(strip(U"  a b \n"), U"a b");
  EXPECT_EQ(strip(U" \t "), U"");
  EXPECT_EQ(collapse_spaces(U"  a b \n"), U" a b ");
  EXPECT_EQ(remove_spaces(U"  a b \n"), U"ab");
  EXPECT_EQ(split_words(U"  a b \n"), (std::vector<std::u32string>{U"a", U"b"}));
}

TEST(PythonText, FindAndSliceFollowPython) {
  // "abcabc".find("c", 3) == 5; "abc".find("", 3) == 3; "abc".find("", 4) == -1.
  EXPECT_EQ(find(U"abcabc", U"c", 3), 5u);
  EXPECT_EQ(find(U"abc", U"", 3), 3u);
  EXPECT_EQ(find(U"abc", U"", 4), std::u32string_view::npos);
  // "abcdef"[-10:2] == "ab" (clamped); "abcdef"[4:99] == "ef"; "abcdef"[4:2] == "".
  EXPECT_EQ(slice(U"abcdef", -10, 2), U"ab");
  EXPECT_EQ(slice(U"abcdef", 4, 99), U"ef");
  EXPECT_EQ(slice(U"abcdef", 4, 2), U"");
}

TEST(PythonText, Utf8RoundTripsAndNamesTheBadByte) {
  const std::string text = "na\xC3\xAFve \xF0\x9F\x98\x80";  // "naïve 😀"
  EXPECT_EQ(decode_utf8(text).size(), 7u);
  EXPECT_EQ(encode_utf8(decode_utf8(text)), text);
  EXPECT_EQ(char_to_byte_offsets(decode_utf8(text)),
            (std::vector<std::int64_t>{0, 1, 2, 4, 5, 6, 7, 11}));
  EXPECT_EQ(testing::error_of<InputError>([] { decode_utf8("ok \xC3("); }),
            "text is not valid UTF-8: bad byte sequence at byte 3");
}

}  // namespace
}  // namespace sentlens::text_detail
