// Fuzzes answer extraction and normalisation: the text's boxed answers are substrings of it, the
// normalisation of valid UTF-8 is valid UTF-8 and never longer than the input's lower-casing can
// make it, and the demo pattern's answer is a substring of the text.
#include "fuzz_support.h"
#include "sentlens/error.h"
#include "sentlens/text/answer_pattern.h"
#include "sentlens/text/boxed_answers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sentlens;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const std::string& answer : extract_boxed_answers(text)) {
    SENTLENS_FUZZ_ASSERT(text.find(answer) != std::string_view::npos);
  }
  static const AnswerPattern demo("(\\d+) is the answer");
  SENTLENS_FUZZ_ASSERT(text.find(demo.extract(text)) != std::string_view::npos);
  try {
    const std::string normalised = normalize_answer(text);
    // Lower-casing can lengthen a few characters (İ -> i̇); every other step shortens the text.
    SENTLENS_FUZZ_ASSERT(normalised.size() <= 3 * text.size());
    answers_match(text, normalised);
    normalize_answer(normalised);  // valid UTF-8 in, so no InputError here
  } catch (const InputError&) {
    // invalid UTF-8
  }
  return 0;
}
