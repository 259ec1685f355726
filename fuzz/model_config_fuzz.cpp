// Fuzzes config.json parsing: any bytes to ModelConfig::from_json, then the derived quantities.
#include "fuzz_support.h"
#include "sentlens/model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sentlens;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const ModelConfig config = ModelConfig::from_json(text, "fuzz/config.json");
    SENTLENS_FUZZ_ASSERT(config.num_layers > 0);
    SENTLENS_FUZZ_ASSERT(!config.fingerprint().empty());
  } catch (const Error&) {
  }
  return 0;
}
