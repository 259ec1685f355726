// Answer extraction and normalisation, hand-checked against the original Python functions'
// semantics (utils.py: extract_boxed_answers, normalize_latex, check_answer).
#include "sentlens/text/boxed_answers.h"
#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sentlens/error.h"
#include "sentlens/text/answer_pattern.h"

namespace sentlens {
namespace {

TEST(BoxedAnswers, FirstNonEmptyBoxWithMatchedBraces) {
  EXPECT_EQ(first_boxed_answer("so \\boxed{\\frac{3}{4}} and \\boxed{2}"), "\\frac{3}{4}");
  // An empty box (the prompt's "put your answer in \boxed{}") is skipped.
  EXPECT_EQ(first_boxed_answer("in \\boxed{}. Then \\boxed{7}"), "7");
  EXPECT_EQ(first_boxed_answer("no box here"), "");
  // An unclosed box runs to the end of the text.
  EXPECT_EQ(first_boxed_answer("\\boxed{x+{1"), "x+{1");
  EXPECT_EQ(extract_boxed_answers("\\boxed{a}\\boxed{b}"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(extract_boxed_answers(""), (std::vector<std::string>{""}));
  // A box inside a box is found on its own too (re.finditer finds every start).
  EXPECT_EQ(extract_boxed_answers("\\boxed{\\boxed{1}}"),
            (std::vector<std::string>{"\\boxed{1}", "1"}));
}

TEST(BoxedAnswers, NormalisationFollowsTheOriginalStepByStep) {
  EXPECT_EQ(normalize_answer(" \\dfrac{3}{4} "), "\\frac34");
  EXPECT_EQ(normalize_answer("\\tfrac{1}{2}"), "\\frac12");
  EXPECT_EQ(normalize_answer("50\\%"), "50");
  EXPECT_EQ(normalize_answer("1{,}000"), "1000");
  EXPECT_EQ(normalize_answer("2 \\times 3 \\cdot 4"), "2*3*4");
  // One left-to-right pass: the second comma stays.
  EXPECT_EQ(normalize_answer("1,234,567"), "1.234,567");
  EXPECT_EQ(normalize_answer("3,5"), "3.5");
  // One pass of brace removal: not idempotent.
  EXPECT_EQ(normalize_answer("{{x}}"), "{x}");
  EXPECT_EQ(normalize_answer(normalize_answer("{{x}}")), "x");
  EXPECT_EQ(normalize_answer("2\\pi"), "2pi");
  // The brace pass runs first, so \text{...} has lost its braces before its own rule.
  EXPECT_EQ(normalize_answer("\\text{Yes}"), "yes");
  EXPECT_EQ(normalize_answer("\\text{}"), "{}");
  EXPECT_EQ(normalize_answer("\\mathrm{{cm}}"), "cm");
  EXPECT_EQ(normalize_answer("October\\ 30"), "october30");
  EXPECT_EQ(normalize_answer("None"), "none");
  EXPECT_EQ(normalize_answer("  \t\n"), "");
  // Python's lower() and whitespace are Unicode-aware.
  EXPECT_EQ(normalize_answer("\xC3\x89T\xC3\x89\xC2\xA0X"), "\xC3\xA9t\xC3\xA9x");
  testing::expect_error<InputError>([&] { (void)(normalize_answer("\xff")); });
}

TEST(BoxedAnswers, MatchIsStringEqualityAfterNormalisation) {
  EXPECT_TRUE(answers_match("\\dfrac{3}{4}", "\\frac{3}{4}"));
  EXPECT_TRUE(answers_match("\\frac{3}{4} ", "\\frac34"));
  // No SymPy: numerically equal forms do not match (as in the golden files).
  EXPECT_FALSE(answers_match("0.75", "\\frac{3}{4}"));
  EXPECT_FALSE(answers_match("", "\\frac{3}{4}"));
}

TEST(AnswerPattern, BoxedByDefaultElseTheFirstGroupOfTheFirstMatch) {
  EXPECT_EQ(AnswerPattern().extract("so \\boxed{7}."), "7");
  EXPECT_EQ(AnswerPattern().description(), "boxed");
  const AnswerPattern demo("(\\d+) is the answer");
  EXPECT_EQ(demo.extract("So after buying, 3 + 5 = 8 is the answer."), "8");
  EXPECT_EQ(demo.extract("no answer here"), "");
  EXPECT_EQ(AnswerPattern("answer: \\w+").extract("the answer: yes"), "answer: yes");
  // Invalid UTF-8 in a decoded rollout is no match, not an error.
  EXPECT_EQ(demo.extract("12 is the answer \xff"), "");
  EXPECT_THAT(testing::error_of<InputError>([] { AnswerPattern("(unclosed"); }),
              ::testing::HasSubstr("(unclosed"));
}

}  // namespace
}  // namespace sentlens
