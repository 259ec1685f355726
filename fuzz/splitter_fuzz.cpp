// Fuzzes the sentence splitter: the first byte picks the options, the rest is the text. Sentences
// must be in order, non-overlapping and inside the text, in bytes and in code points.
#include "fuzz_support.h"
#include "sentlens/text/splitter.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sentlens;
  if (size == 0) return 0;
  SplitOptions options;
  options.profile = (data[0] & 1) != 0 ? Profile::kReference : Profile::kClean;
  options.think_region = (data[0] & 2) != 0;
  options.reference_keep_tail = (data[0] & 4) != 0;
  options.min_chunk_chars = data[0] >> 3;  // 0..31
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const SplitResult result = split_sentences(text, options);
    std::int64_t byte_end = 0;
    std::int64_t char_end = 0;
    for (const Sentence& sentence : result.sentences) {
      SENTLENS_FUZZ_ASSERT(byte_end <= sentence.byte_start);
      SENTLENS_FUZZ_ASSERT(sentence.byte_start <= sentence.byte_end);
      SENTLENS_FUZZ_ASSERT(sentence.byte_end <= static_cast<std::int64_t>(text.size()));
      SENTLENS_FUZZ_ASSERT(char_end <= sentence.char_start);
      SENTLENS_FUZZ_ASSERT(sentence.char_start <= sentence.char_end);
      SENTLENS_FUZZ_ASSERT(sentence.char_end - sentence.char_start <=
                           sentence.byte_end - sentence.byte_start);
      sentence_text(text, sentence);
      byte_end = sentence.byte_end;
      char_end = sentence.char_end;
    }
  } catch (const Error&) {
  }
  return 0;
}
