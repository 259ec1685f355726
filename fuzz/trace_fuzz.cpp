// Fuzzes the trace reader: any bytes as a trace file; a trace that reads must validate and yield
// its sentence matrices and a receivers analysis without failing on its own data.
#include "fuzz_support.h"
#include "sentlens/trace/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sentlens;
  const auto path = fuzz::scratch_dir() / "input.trace.safetensors";
  fuzz::write_bytes(path, data, size);
  try {
    const Trace trace = read_trace(path);
    validate_trace(trace, path.string());
    const SentenceMatrices matrices = sentence_matrices(trace, path.string());
    analyze_receivers({matrices});
  } catch (const Error&) {
  }
  return 0;
}
