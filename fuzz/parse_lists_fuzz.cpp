// Fuzzes the CLI list parsers (--ids, --boundaries, --layers, --heads): the first byte picks the
// parser and the index limit, the rest is the option's text.
#include "fuzz_support.h"
#include "sentlens/util/parse_lists.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sentlens;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    switch (data[0] % 4) {
      case 0:
        parse_int_list(text, "--ids");
        break;
      case 1:
        for (const auto& [begin, end] : parse_range_list(text, "--boundaries")) {
          SENTLENS_FUZZ_ASSERT(begin <= end);
        }
        break;
      case 2: {
        const std::int64_t limit = data[0] / 4;  // 0..63
        for (std::int64_t index : parse_index_set(text, limit, "--layers")) {
          SENTLENS_FUZZ_ASSERT(0 <= index && index < limit);
        }
        break;
      }
      default:
        for (const auto& [layer, head] : parse_head_list(text, "--heads")) {
          SENTLENS_FUZZ_ASSERT(layer >= 0 && head >= 0);
        }
    }
  } catch (const Error&) {
  }
  return 0;
}
