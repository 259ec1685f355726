// Helpers of the tokenizer tests: the committed corpus, the reference data fetched by
// tests/scripts/fetch-tokenizers.sh, and the span invariants every encoding must satisfy.
#pragma once

#include <sys/mman.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "sentlens/tokenizer/tokenizer.h"

namespace sentlens::testing {

/// tests/tokenizer/data/corpus.json: the strings every parity test encodes.
std::vector<std::string> tokenizer_corpus();

/// Where fetch-tokenizers.sh put its data: $SENTLENS_TOKENIZER_DATA, else BUILD_DIR/tokenizer-data.
std::filesystem::path tokenizer_data_dir();

/// True when tokenizer_data_dir()/relative exists.
bool tokenizer_data_available(const std::string& relative);

/// Checks that the spans of the non-special tokens are in order, within the text, and overlap
/// only where tokens share one split character (or, with `nfc`, one normalization segment that NFC
/// changes); returns the number of failures (reported with ADD_FAILURE, naming `label`).
int check_span_order(const std::string& label, const std::string& text, const Encoding& encoding,
                     bool nfc = false);

/// `size` bytes of address space that may not be read or written (PROT_NONE, nothing reserved):
/// a text that proves a function refuses it by its size alone, since touching any byte of it
/// ends the test with SIGSEGV.
class UntouchableText {
 public:
  explicit UntouchableText(std::size_t size) : size_(size) {
    data_ = ::mmap(nullptr, size_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (data_ == MAP_FAILED) data_ = nullptr;
  }
  ~UntouchableText() {
    if (data_ != nullptr) ::munmap(data_, size_);
  }
  UntouchableText(const UntouchableText&) = delete;
  UntouchableText& operator=(const UntouchableText&) = delete;

  bool ok() const { return data_ != nullptr; }
  std::string_view view() const { return {static_cast<const char*>(data_), size_}; }

 private:
  std::size_t size_;
  void* data_ = nullptr;
};

}  // namespace sentlens::testing

/// Skips the current test when the fetched reference data is missing (FAIL with
/// SENTLENS_REQUIRE_SHARED=1, as in CI).
#define SENTLENS_REQUIRE_TOKENIZER_DATA(relative)                              \
  do {                                                                         \
    if (!::sentlens::testing::tokenizer_data_available(relative)) {            \
      const char* require = std::getenv("SENTLENS_REQUIRE_SHARED");            \
      const std::string reason =                                               \
          "reference tokenizer data not found: " +                             \
          (::sentlens::testing::tokenizer_data_dir() / (relative)).string() +  \
          " (run tests/scripts/fetch-tokenizers.sh BUILD_DIR)";                \
      if (require != nullptr && std::string(require) == "1") FAIL() << reason; \
      GTEST_SKIP() << reason;                                                  \
    }                                                                          \
  } while (false)
