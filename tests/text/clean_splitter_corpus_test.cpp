// The clean splitter on reasoning text (docs/metrics.md, "The clean splitter"): a corpus of cases
// with the sentences a reader would cut, written by hand. Default options throughout, so chunks
// shorter than 10 code points are merged into the next one, as in the reference profile.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sentlens/text/splitter.h"

namespace sentlens {
namespace {

struct CorpusCase {
  const char* what;
  std::string text;
  std::vector<std::string> sentences;
  bool whole_text = false;
};

std::string without_spaces(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') out.push_back(c);
  }
  return out;
}

const std::vector<CorpusCase>& corpus() {
  static const std::vector<CorpusCase> cases = {
      // Abbreviations.
      {"a.m. and p.m. inside a sentence",
       "The meeting starts at 9:00 a.m. and ends at 5:00 p.m. today. Then we leave.",
       {"The meeting starts at 9:00 a.m. and ends at 5:00 p.m. today.", "Then we leave."}},
      {"a.m. before a capital ends the sentence",
       "The train leaves at 9:00 a.m. The next one leaves later.",
       {"The train leaves at 9:00 a.m.", "The next one leaves later."}},
      {"a.m. then a speed",
       "Leave at 9:00 a.m. at 60 km/h and arrive by noon. Then rest.",
       {"Leave at 9:00 a.m. at 60 km/h and arrive by noon.", "Then rest."}},
      {"e.g. mid-sentence",
       "Use a known identity, e.g. the Pythagorean theorem, here.",
       {"Use a known identity, e.g. the Pythagorean theorem, here."}},
      {"E.g. at the start",
       "E.g. this one works fine too. And this is another sentence.",
       {"E.g. this one works fine too.", "And this is another sentence."}},
      {"i.e.",
       "The value is positive, i.e. larger than zero. Good news then.",
       {"The value is positive, i.e. larger than zero.", "Good news then."}},
      {"etc. before a lower-case word",
       "We need apples, pears, etc. for the recipe today.",
       {"We need apples, pears, etc. for the recipe today."}},
      {"etc. before a capital",
       "We need apples, pears, etc. The recipe needs them all.",
       {"We need apples, pears, etc.", "The recipe needs them all."}},
      {"vs.",
       "Compare method A vs. method B in terms of speed.",
       {"Compare method A vs. method B in terms of speed."}},
      {"titles",
       "Dr. Smith and Mr. Jones met Mrs. Brown at noon. They talked.",
       {"Dr. Smith and Mr. Jones met Mrs. Brown at noon.", "They talked."}},
      {"Fig. and Eq.",
       "As shown in Fig. 3 the curve rises. Eq. 5 gives the slope.",
       {"As shown in Fig. 3 the curve rises.", "Eq. 5 gives the slope."}},
      {"No. before a number",
       "See item No. 5 in the list above. It is the key one.",
       {"See item No. 5 in the list above.", "It is the key one."}},
      {"No. as an answer",
       "Is that right? No. That cannot be the case here.",
       {"Is that right?", "No. That cannot be the case here."}},
      {"et al.",
       "Smith et al. showed this result in their paper. We follow them.",
       {"Smith et al. showed this result in their paper.", "We follow them."}},
      {"approx.",
       "The answer is approx. 3.14 in this case. Close enough.",
       {"The answer is approx. 3.14 in this case.", "Close enough."}},
      {"Prof.",
       "By Prof. Lee's lemma the sum converges. So we are done.",
       {"By Prof. Lee's lemma the sum converges.", "So we are done."}},
      {"Sec. before a number",
       "This is proved in Sec. 4 of the notes. We use it.",
       {"This is proved in Sec. 4 of the notes.", "We use it."}},
      {"p.m. before a capital",
       "At 3 p.m. the second train leaves. It goes at 80 km/h.",
       {"At 3 p.m. the second train leaves.", "It goes at 80 km/h."}},
      {"i.e. with a speed",
       "The speed is 60 km/h, i.e. one km per minute. So 30 km takes 30 min.",
       {"The speed is 60 km/h, i.e. one km per minute.", "So 30 km takes 30 min."}},
      {"initialisms",
       "He moved to the U.S. last year for a Ph.D. program. Then he stayed.",
       {"He moved to the U.S. last year for a Ph.D. program.", "Then he stayed."}},
      {"an initialism before a capital",
       "The office is in the U.K. The rest is remote work.",
       {"The office is in the U.K.", "The rest is remote work."}},
      {"etc. at a line end, continued",
       "We have apples, pears, etc.\nand more fruit too.",
       {"We have apples, pears, etc.\nand more fruit too."}},

      // Decimals, versions and numbers.
      {"decimals",
       "The length is 3.5 units and the width is 0.25 units. Area follows.",
       {"The length is 3.5 units and the width is 0.25 units.", "Area follows."}},
      {"version numbers",
       "We use Python 3.10.2 for this script. It runs fine.",
       {"We use Python 3.10.2 for this script.", "It runs fine."}},
      {"a number ends the sentence",
       "The result is 42. Then we double it to get 84.",
       {"The result is 42.", "Then we double it to get 84."}},
      {"v2.0.1",
       "Version v2.0.1 fixed the bug. We upgrade now.",
       {"Version v2.0.1 fixed the bug.", "We upgrade now."}},
      {"leading decimal point",
       "The probability is .75 in total here. Next step.",
       {"The probability is .75 in total here.", "Next step."}},
      {"constants",
       "Pi is about 3.14159 and e is about 2.71828. Both are irrational.",
       {"Pi is about 3.14159 and e is about 2.71828.", "Both are irrational."}},
      {"a count mid-line is no list",
       "I counted to 2. Then I stopped counting.",
       {"I counted to 2.", "Then I stopped counting."}},

      // Ellipses.
      {"ellipsis before a lower-case word",
       "Hmm... let me think about this more carefully. Okay then, go on.",
       {"Hmm... let me think about this more carefully.", "Okay then, go on."}},
      {"ellipsis before a capital",
       "Wait, something is off... That does not look right.",
       {"Wait, something is off...", "That does not look right."}},
      {"ellipsis in a sum",
       "The sum 1 + 2 + ... + n equals n(n+1)/2 here. That is well known.",
       {"The sum 1 + 2 + ... + n equals n(n+1)/2 here.", "That is well known."}},
      {"Unicode ellipsis",
       "Unicode ellipsis… and then some more text follows here. Next one here.",
       {"Unicode ellipsis… and then some more text follows here.", "Next one here."}},
      {"ellipsis in a list of numbers",
       "The list 1, 2, ..., 10 has ten items in total. We count them.",
       {"The list 1, 2, ..., 10 has ten items in total.", "We count them."}},

      // Questions, exclamations, factorials.
      {"question and exclamation",
       "Is x positive? Yes, because the square is four! So x = 2 works.",
       {"Is x positive?", "Yes, because the square is four!", "So x = 2 works."}},
      {"factorial of a number",
       "There are 5! = 120 orderings of the books. We pick one.",
       {"There are 5! = 120 orderings of the books.", "We pick one."}},
      {"factorials of expressions",
       "So n! grows faster than any power. Also (n-1)! ways remain.",
       {"So n! grows faster than any power.", "Also (n-1)! ways remain."}},
      {"an exclamation",
       "That works! Now on to the next part.",
       {"That works!", "Now on to the next part."}},
      {"interrobang",
       "Could it really be zero?! Let me check once more.",
       {"Could it really be zero?!", "Let me check once more."}},

      // Quotes, brackets and emphasis after the terminal.
      {"closing quote",
       "He wrote \"the answer is four.\" Then he stopped writing.",
       {"He wrote \"the answer is four.\"", "Then he stopped writing."}},
      {"bold",
       "**Final answer: 4.** That is the result we wanted.",
       {"**Final answer: 4.**", "That is the result we wanted."}},
      {"parenthesis",
       "(This step is optional.) We skip it for now then.",
       {"(This step is optional.)", "We skip it for now then."}},

      // Lists and headings.
      {"numbered list without periods",
       "Steps to follow:\n1. Compute the distance traveled\n2. Divide by the total time\n3. "
       "Report the speed",
       {"Steps to follow:", "1. Compute the distance traveled", "2. Divide by the total time",
        "3. Report the speed"}},
      {"dash bullets",
       "Consider these options:\n- the first option here\n- the second option here",
       {"Consider these options:", "- the first option here", "- the second option here"}},
      {"star bullets",
       "Two facts hold here:\n* the sum is even\n* the product is odd",
       {"Two facts hold here:", "* the sum is even", "* the product is odd"}},
      {"round bullets",
       "Known so far:\n• x is an integer\n• y is a prime number",
       {"Known so far:", "• x is an integer", "• y is a prime number"}},
      {"(a) items",
       "Two cases arise:\n(a) x is positive here\n(b) x is negative here",
       {"Two cases arise:", "(a) x is positive here", "(b) x is negative here"}},
      {"a) items",
       "Two cases arise:\na) x is positive here\nb) x is negative here",
       {"Two cases arise:", "a) x is positive here", "b) x is negative here"}},
      {"roman numerals",
       "The parts are:\ni. the first part\nii. the second part\niii. the third",
       {"The parts are:", "i. the first part", "ii. the second part", "iii. the third"}},
      {"items with periods",
       "Here is the plan:\n1. Find the roots first.\n2. Check each root.",
       {"Here is the plan:", "1. Find the roots first.", "2. Check each root."}},
      {"an item ends at its line break",
       "Cases:\n- when x is zero\nthe sum vanishes entirely",
       {"Cases: - when x is zero", "the sum vanishes entirely"}},
      {"indented items",
       "The steps are these:\n  1. Expand the square\n  2. Collect the terms",
       {"The steps are these:", "1. Expand the square", "2. Collect the terms"}},
      {"heading",
       "### Step 1: Set up the equation\nLet x be the unknown number here.",
       {"### Step 1: Set up the equation", "Let x be the unknown number here."}},
      {"heading before a lower-case line",
       "## Setting up the problem\nwe define x as the count.",
       {"## Setting up the problem", "we define x as the count."}},

      // Line breaks and paragraphs.
      {"an equation line belongs to its introduction",
       "Let me compute:\nx = 3 + 4 = 7\nSo x is seven here.",
       {"Let me compute:\nx = 3 + 4 = 7", "So x is seven here."}},
      {"a line break before a capital",
       "First line without period\nSecond line starts uppercase",
       {"First line without period", "Second line starts uppercase"}},
      {"a wrapped sentence",
       "This sentence is wrapped\nacross two lines in the source.",
       {"This sentence is wrapped\nacross two lines in the source."}},
      {"paragraphs",
       "First paragraph without end\n\nSecond paragraph here.",
       {"First paragraph without end", "Second paragraph here."}},
      {"a blank line with spaces",
       "First paragraph text here\n  \nsecond paragraph text here",
       {"First paragraph text here", "second paragraph text here"}},
      {"CRLF line breaks",
       "First line of text.\r\nSecond line of text.",
       {"First line of text.", "Second line of text."}},
      {"an equation continued with =",
       "The total is\n= 3 + 4\n= 7 in the end.",
       {"The total is\n= 3 + 4\n= 7 in the end."}},

      // Display math.
      {"display math ending with a period",
       "$$x^2 = 12.25.$$ Then x is 3.5 exactly.",
       {"$$x^2 = 12.25.$$", "Then x is 3.5 exactly."}},
      {"periods inside display math",
       "We get $$x = 1. y = 2$$ and continue from there. Done now, right?",
       {"We get $$x = 1. y = 2$$ and continue from there.", "Done now, right?"}},
      {"\\[ \\] ending with a period",
       "\\[ a = 1. b = 2. \\] So both hold at once.",
       {"\\[ a = 1. b = 2. \\]", "So both hold at once."}},
      {"multi-line \\[ \\] ending with a period",
       "We have\n\\[\nx = 1.\n\\]\nso x is one.",
       {"We have\n\\[\nx = 1.\n\\]", "so x is one."}},
      {"multi-line \\[ \\] inside a sentence",
       "We have\n\\[\nx = 1\n\\]\nso x is one.",
       {"We have\n\\[\nx = 1\n\\]\nso x is one."}},
      {"an environment",
       "\\begin{align} a &= 1. \\\\ b &= 2. \\end{align} Then we add them up.",
       {"\\begin{align} a &= 1. \\\\ b &= 2. \\end{align}", "Then we add them up."}},
      {"a blank line inside display math",
       "Now\n$$\na = 1.\n\nb = 2\n$$\nholds for both values.",
       {"Now\n$$\na = 1.\n\nb = 2\n$$\nholds for both values."}},
      {"unclosed $$ is text",
       "Cost is $$ high. Then it drops.",
       {"Cost is $$ high.", "Then it drops."}},

      // Inline math.
      {"periods inside inline math",
       "We know $f(x) = x. g(x)$ holds for all x. Then we conclude.",
       {"We know $f(x) = x. g(x)$ holds for all x.", "Then we conclude."}},
      {"inline math ending with a period",
       "So the answer is $x = 3.$ Next we verify it.",
       {"So the answer is $x = 3.$", "Next we verify it."}},
      {"dollars are money",
       "It costs $5. Then it costs $10. Finally it is free.",
       {"It costs $5.", "Then it costs $10.", "Finally it is free."}},
      {"\\( \\)",
       "\\(x = 1. y\\) is the pair we need. Good so far.",
       {"\\(x = 1. y\\) is the pair we need.", "Good so far."}},
      {"escaped dollars",
       "The price is \\$3. Then it rises to \\$4 later.",
       {"The price is \\$3.", "Then it rises to \\$4 later."}},

      // Code.
      {"fenced code block",
       "Run this program:\n```python\nx = 1. + 2.\nprint(x. real)\n```\nThat prints three.",
       {"Run this program:", "```python\nx = 1. + 2.\nprint(x. real)\n```", "That prints three."}},
      {"inline code",
       "Call `os.path. join` here now. Then return.",
       {"Call `os.path. join` here now.", "Then return."}},
      {"unclosed fence runs to the end",
       "Code follows:\n```\nx = 1. y = 2.\nNo end",
       {"Code follows:", "```\nx = 1. y = 2.\nNo end"}},
      {"tilde fence",
       "Consider this:\n~~~\na. b. c.\n~~~\nThat is all of it.",
       {"Consider this:", "~~~\na. b. c.\n~~~", "That is all of it."}},

      // <think> tags and other scripts.
      {"think region",
       "Prompt text. <think>\nWe think here. Then stop.\n</think>\nAnswer here.",
       {"We think here.", "Then stop."}},
      {"tags in the whole text",
       "Question here.<think>First we think. Then we answer.</think>The answer is 4.",
       {"Question here.", "<think> First we think.", "Then we answer.",
        "</think> The answer is 4."},
       true},
      {"full-width stops",
       "首先我们需要计算这个数的平方。然后我们检查结果是否正确。",
       {"首先我们需要计算这个数的平方。", "然后我们检查结果是否正确。"}},

      // Realistic reasoning.
      {"solving an equation",
       "Okay, so I need to solve 2x + 3 = 11. Let me subtract 3 from both sides: 2x = 8. Then "
       "divide by 2, so x = 4.",
       {"Okay, so I need to solve 2x + 3 = 11.", "Let me subtract 3 from both sides: 2x = 8.",
        "Then divide by 2, so x = 4."}},
      {"checking",
       "Alternatively, maybe I made a mistake. Let me check: 2(4) + 3 = 11. Yes, "
       "that's correct.",
       {"Alternatively, maybe I made a mistake.", "Let me check: 2(4) + 3 = 11.",
        "Yes, that's correct."}},
      {"short sentences merge forward",
       "OK. So the answer is four after all.",
       {"OK. So the answer is four after all."}},
  };
  return cases;
}

TEST(CleanSplitterCorpus, HasAtLeastSixtyCases) {
  EXPECT_GE(corpus().size(), 60u);
}

TEST(CleanSplitterCorpus, SentencesAreTheHandWrittenOnes) {
  for (const CorpusCase& example : corpus()) {
    SCOPED_TRACE(example.what);
    SplitOptions options;
    options.think_region = !example.whole_text;
    const SplitResult result = split_sentences(example.text, options);
    EXPECT_EQ(result.chunks, example.sentences);
    // The spans tile the split region in order and hold exactly their chunk's visible text.
    ASSERT_EQ(result.sentences.size(), result.chunks.size());
    for (std::size_t k = 0; k < result.sentences.size(); ++k) {
      EXPECT_EQ(without_spaces(sentence_text(example.text, result.sentences[k])),
                without_spaces(result.chunks[k]));
      if (k > 0) EXPECT_EQ(result.sentences[k].char_start, result.sentences[k - 1].char_end);
    }
  }
}

TEST(CleanSplitterCorpus, ReferenceProfileKeepsTheOriginalCuts) {
  // The reference profile must go on matching the original code: "e.g." ends a chunk there.
  SplitOptions reference;
  reference.profile = Profile::kReference;
  reference.reference_keep_tail = true;
  const SplitResult result =
      split_sentences("Use a known identity, e.g. the Pythagorean theorem, here.", reference);
  EXPECT_EQ(result.chunks, (std::vector<std::string>{"Use a known identity, e.g.",
                                                     "the Pythagorean theorem, here."}));
}

TEST(CleanSplitterCorpus, UnclosedDelimitersStayLinear) {
  // Many openers without closers: each search must not run to the end of the text again.
  std::string text;
  for (int i = 0; i < 40000; ++i) text += "$a \\[ \\( \\begin{m" + std::to_string(i) + "} `x ";
  text += "Done. End of the text here.";
  const SplitResult result = split_sentences(text);
  ASSERT_FALSE(result.chunks.empty());
  EXPECT_EQ(result.chunks.back(), "End of the text here.");
}

}  // namespace
}  // namespace sentlens
