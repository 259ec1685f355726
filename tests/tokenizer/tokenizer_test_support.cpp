// Helpers of the tokenizer tests.
#include "tokenizer_test_support.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tokenizer/js_text.h"

namespace sentlens::testing {

std::vector<std::string> tokenizer_corpus() {
  const std::filesystem::path path =
      std::filesystem::path(SENTLENS_SOURCE_DIR) / "tests/tokenizer/data/corpus.json";
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return nlohmann::json::parse(buffer.str()).get<std::vector<std::string>>();
}

std::filesystem::path tokenizer_data_dir() {
  if (const char* dir = std::getenv("SENTLENS_TOKENIZER_DATA")) return dir;
  return std::filesystem::path(SENTLENS_BINARY_DIR) / "tokenizer-data";
}

bool tokenizer_data_available(const std::string& relative) {
  return std::filesystem::exists(tokenizer_data_dir() / relative);
}

int check_span_order(const std::string& label, const std::string& text, const Encoding& encoding,
                     bool nfc) {
  int failures = 0;
  std::int64_t previous_end = 0, previous_start = 0;
  for (std::size_t i = 0; i < encoding.tokens.size(); ++i) {
    const Token& token = encoding.tokens[i];
    if (token.special) {
      if (token.byte_start != token.byte_end) {
        ADD_FAILURE() << label << ": special token " << i << " has a non-empty span";
        ++failures;
      }
      continue;
    }
    const bool inside = 0 <= token.byte_start && token.byte_start <= token.byte_end &&
                        token.byte_end <= static_cast<std::int64_t>(text.size());
    // Overlap is allowed only inside one character split between tokens: the overlap starts at a
    // character boundary and holds exactly one character.
    bool ordered = token.byte_start >= previous_end;
    if (!ordered && token.byte_start >= previous_start && token.byte_start < previous_end) {
      std::size_t length = 1;
      const auto lead = static_cast<unsigned char>(text[token.byte_start]);
      if (lead >= 0xF0)
        length = 4;
      else if (lead >= 0xE0)
        length = 3;
      else if (lead >= 0xC0)
        length = 2;
      ordered = previous_end - token.byte_start <= static_cast<std::int64_t>(length) &&
                (lead & 0xC0) != 0x80;
    }
    if (!ordered && nfc && token.byte_start >= previous_start) {
      // Tokens cut from one normalization segment that NFC rewrote share the segment's span.
      const std::string region = text.substr(previous_start, token.byte_end - previous_start);
      ordered = hf::normalize(region, hf::NormalForm::kNfc) != region;
    }
    if (!inside || !ordered) {
      ADD_FAILURE() << label << ": token " << i << " ('" << token.piece << "') has span ["
                    << token.byte_start << ", " << token.byte_end << ") after [" << previous_start
                    << ", " << previous_end << ")";
      ++failures;
    }
    previous_start = token.byte_start;
    previous_end = std::max(previous_end, token.byte_end);
  }
  return failures;
}

}  // namespace sentlens::testing
