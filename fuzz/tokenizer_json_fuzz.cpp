// Fuzzes the tokenizer.json loader: any bytes as tokenizer.json, then encode and decode of a fixed
// text that exercises normalizers, pre-tokenizers, byte fallback and added tokens.
#include "fuzz_support.h"
#include "sentlens/tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sentlens;
  const auto path = fuzz::scratch_dir() / "tokenizer.json";
  fuzz::write_bytes(path, data, size);
  try {
    const auto tokenizer = load_tokenizer_json(path);
    const std::string text =
        "Hello, World! <think>2+2=4.</think> caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80  x";
    const Encoding encoding = tokenizer->encode(text);
    for (const Token& token : encoding.tokens) {
      SENTLENS_FUZZ_ASSERT(token.byte_start <= token.byte_end);
      SENTLENS_FUZZ_ASSERT(token.byte_end <= static_cast<std::int64_t>(text.size()));
    }
    tokenizer->decode(encoding.ids());
    tokenizer->fingerprint();
  } catch (const Error&) {
  }
  return 0;
}
