// Sentences of the response part only, and where the response starts (text/sentence_spans.h):
// hand-checked spans on short texts with a multi-byte character in the prompt.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "sentlens/error.h"
#include "sentlens/text/sentence_spans.h"
#include "test_support.h"

namespace sentlens {
namespace {

// "é" is 2 bytes, so code points and bytes differ after it: the prompt "Q: café time? A: " is
// 17 code points, 18 bytes.
constexpr const char* kText = "Q: café time? A: It is late now. We should go.";

TEST(ResponseStart, MarkerEndsThePrompt) {
  EXPECT_EQ(find_response_start(kText, "A: "), 17);
  EXPECT_EQ(find_response_start(kText, "é"), 7) << "code points, not bytes";
  // Messages name the option's field (the CLI prints its flag instead: tests/cli).
  EXPECT_EQ(testing::error_of<InputError>([] { find_response_start(kText, "B: "); }),
            "response_marker: the marker 'B: ' does not occur in the text");
  EXPECT_EQ(testing::error_of<InputError>([] { find_response_start(kText, ""); }),
            "response_marker: the marker is empty");
}

TEST(ResponseStart, PromptLengthOrMarkerButNotBoth) {
  EXPECT_EQ(response_char_start(kText, std::nullopt, std::nullopt), std::nullopt);
  EXPECT_EQ(response_char_start(kText, std::int64_t{5}, std::nullopt), 5);
  EXPECT_EQ(response_char_start(kText, std::nullopt, std::string("A: ")), 17);
  EXPECT_EQ(testing::error_of<InputError>(
                [] { response_char_start(kText, std::int64_t{5}, std::string("A: ")); }),
            "give the prompt length (prompt_chars) or the response marker (response_marker), not "
            "both");
  testing::expect_error<InputError>(
      [&] { (void)(response_char_start(kText, std::nullopt, std::string("nowhere"))); });
}

TEST(ResponseStart, OnlyTheResponseIsSplitAndSpansCountFromTheWholeText) {
  SplitOptions options;
  options.profile = Profile::kClean;
  const SplitResult result = split_response(kText, 17, options);
  ASSERT_EQ(result.sentences.size(), 2u);
  EXPECT_EQ(result.sentences[0].char_start, 17);  // "It is late now. "
  EXPECT_EQ(result.sentences[0].char_end, 33);
  EXPECT_EQ(result.sentences[0].byte_start, 18);
  EXPECT_EQ(result.sentences[1].char_start, 33);  // "We should go."
  EXPECT_EQ(result.sentences[1].char_end, 46);
  EXPECT_EQ(result.sentences[1].byte_end, 47);
  // A start of 0 (no prompt) splits the whole text, as split_sentences does.
  const SplitResult whole = split_response(kText, 0, options);
  const SplitResult reference = split_sentences(kText, options);
  ASSERT_EQ(whole.sentences.size(), reference.sentences.size());
  for (std::size_t i = 0; i < whole.sentences.size(); ++i) {
    EXPECT_EQ(whole.sentences[i].char_start, reference.sentences[i].char_start);
    EXPECT_EQ(whole.sentences[i].byte_end, reference.sentences[i].byte_end);
  }
  EXPECT_EQ(testing::error_of<InputError>([&] { split_response(kText, 47, options); }),
            "prompt_chars 47 lies outside the text (46 code points)")
      << "past the end";
  testing::expect_error<InputError>([&] { (void)(split_response(kText, -1, options)); });
}

}  // namespace
}  // namespace sentlens
