// Fuzzes the safetensors reader: any bytes as a file, then every tensor read back in each type.
#include <cmath>

#include "fuzz_support.h"
#include "sentlens/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sentlens;
  const auto path = fuzz::scratch_dir() / "input.safetensors";
  fuzz::write_bytes(path, data, size);
  try {
    const auto file = SafetensorsFile::open(path);
    for (const auto& name : file->names()) {
      const TensorInfo& info = file->info(name);
      SENTLENS_FUZZ_ASSERT(info.data_begin <= info.data_end);
      SENTLENS_FUZZ_ASSERT(info.data_end <= size);
      try {
        const auto values = file->read_f64(name);
        SENTLENS_FUZZ_ASSERT(static_cast<std::int64_t>(values.size()) == info.numel());
      } catch (const Error&) {
        // Not a floating tensor: read as integers instead.
        try {
          const auto values = file->read_i64(name);
          SENTLENS_FUZZ_ASSERT(static_cast<std::int64_t>(values.size()) == info.numel());
        } catch (const Error&) {
        }
      }
    }
  } catch (const Error&) {
  }
  return 0;
}
