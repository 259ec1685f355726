// Fuzzes encoding: any bytes as the text for a real tokenizer.json (stories260K's, or the file
// named by $SENTLENS_FUZZ_TOKENIZER). Invalid UTF-8 must be an InputError, valid text must
// round-trip to spans inside the text.
#include <cstdlib>

#include "fuzz_support.h"
#include "sentlens/tokenizer/tokenizer.h"

namespace {

std::unique_ptr<sentlens::Tokenizer> load_fixed_tokenizer() {
  const char* chosen = std::getenv("SENTLENS_FUZZ_TOKENIZER");
  const std::filesystem::path path =
      chosen != nullptr && *chosen != '\0' ? chosen : SENTLENS_FUZZ_DEFAULT_TOKENIZER;
  return sentlens::load_tokenizer_json(path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sentlens;
  static const std::unique_ptr<Tokenizer> tokenizer = load_fixed_tokenizer();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const Encoding encoding = tokenizer->encode(text);
    for (const Token& token : encoding.tokens) {
      SENTLENS_FUZZ_ASSERT(token.id >= 0 && token.id < tokenizer->vocab_size());
      SENTLENS_FUZZ_ASSERT(0 <= token.byte_start && token.byte_start <= token.byte_end);
      SENTLENS_FUZZ_ASSERT(token.byte_end <= static_cast<std::int64_t>(size));
      SENTLENS_FUZZ_ASSERT(token.char_start <= token.char_end);
    }
    tokenizer->decode(encoding.ids());
  } catch (const Error&) {
  }
  return 0;
}
