// Fuzzes the sharded-checkpoint index: any bytes as model.safetensors.index.json beside one valid
// shard (shard.safetensors holding tensors "a" and "b").
#include "fuzz_support.h"
#include "sentlens/io/safetensors.h"

namespace {

std::filesystem::path make_checkpoint_dir() {
  using namespace sentlens;
  const auto dir = fuzz::scratch_dir() / "index-checkpoint";
  std::filesystem::create_directories(dir);
  SafetensorsWriter writer;
  writer.add_f32("a", {2}, {1.0f, 2.0f});
  writer.add_i64("b", {1}, {7});
  writer.write(dir / "shard.safetensors");
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sentlens;
  static const std::filesystem::path dir = make_checkpoint_dir();
  fuzz::write_bytes(dir / "model.safetensors.index.json", data, size);
  try {
    const TensorStore store = TensorStore::open_directory(dir);
    for (const auto& name : store.names()) {
      SENTLENS_FUZZ_ASSERT(name == "a" || name == "b");
      SENTLENS_FUZZ_ASSERT(store.file_of(name).contains(name));
    }
  } catch (const Error&) {
  }
  return 0;
}
