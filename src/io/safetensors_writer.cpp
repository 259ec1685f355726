// The safetensors writer: header and data sections, written through the atomic file writer.
#include <nlohmann/json.hpp>

#include "sentlens/io/atomic_file.h"
#include "sentlens/io/safetensors.h"
#include "util/check.h"

namespace sentlens {

void SafetensorsWriter::add(const std::string& name, DType dtype, std::vector<std::int64_t> shape,
                            const void* data, std::shared_ptr<const void> keep_alive) {
  SENTLENS_CHECK(!name.empty() && name != "__metadata__", InputError,
                 "safetensors writer: invalid tensor name \"{}\"", name);
  SENTLENS_CHECK(!contains(name), InputError, "safetensors writer: tensor \"{}\" added twice",
                 name);
  std::size_t count = 1;
  for (auto dim : shape) {
    SENTLENS_CHECK(dim >= 0, InputError,
                   "safetensors writer: tensor \"{}\" has a negative dimension", name);
    count *= static_cast<std::size_t>(dim);
  }
  entries_.push_back(
      Entry{name, dtype, std::move(shape), data, count * dtype_size(dtype), std::move(keep_alive)});
}

namespace {
template <typename T>
std::shared_ptr<const void> copy_values(const std::vector<T>& values) {
  return std::make_shared<const std::vector<T>>(values);
}
template <typename T>
void check_count(const std::string& name, const std::vector<std::int64_t>& shape,
                 const std::vector<T>& values) {
  std::size_t count = 1;
  for (auto dim : shape) count *= static_cast<std::size_t>(std::max<std::int64_t>(dim, 0));
  SENTLENS_CHECK(count == values.size(), InputError,
                 "safetensors writer: tensor \"{}\" has {} values but its shape needs {}", name,
                 values.size(), count);
}
}  // namespace

void SafetensorsWriter::add_f32(const std::string& name, std::vector<std::int64_t> shape,
                                const std::vector<float>& values) {
  check_count(name, shape, values);
  auto owned = copy_values(values);
  const void* data = static_cast<const std::vector<float>*>(owned.get())->data();
  add(name, DType::F32, std::move(shape), data, std::move(owned));
}

void SafetensorsWriter::add_f64(const std::string& name, std::vector<std::int64_t> shape,
                                const std::vector<double>& values) {
  check_count(name, shape, values);
  auto owned = copy_values(values);
  const void* data = static_cast<const std::vector<double>*>(owned.get())->data();
  add(name, DType::F64, std::move(shape), data, std::move(owned));
}

void SafetensorsWriter::add_i64(const std::string& name, std::vector<std::int64_t> shape,
                                const std::vector<std::int64_t>& values) {
  check_count(name, shape, values);
  auto owned = copy_values(values);
  const void* data = static_cast<const std::vector<std::int64_t>*>(owned.get())->data();
  add(name, DType::I64, std::move(shape), data, std::move(owned));
}

void SafetensorsWriter::set_metadata(const std::string& key, const std::string& value) {
  metadata_[key] = value;
}

bool SafetensorsWriter::contains(const std::string& name) const {
  for (const auto& entry : entries_) {
    if (entry.name == name) return true;
  }
  return false;
}

void SafetensorsWriter::write(const std::filesystem::path& path) const {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata_.empty()) {
    nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
    for (const auto& [key, value] : metadata_) metadata[key] = value;
    header["__metadata__"] = metadata;
  }
  std::uint64_t offset = 0;
  for (const auto& entry : entries_) {
    header[entry.name] = {{"dtype", std::string(dtype_name(entry.dtype))},
                          {"shape", entry.shape},
                          {"data_offsets", {offset, offset + entry.bytes}}};
    offset += entry.bytes;
  }
  std::string header_text = header.dump();
  // Pad with spaces to a multiple of 8 so the data section is aligned, as Hugging Face does.
  header_text.append((8 - header_text.size() % 8) % 8, ' ');
  const std::uint64_t header_size = header_text.size();

  write_file_atomically(path, [&](const auto& write) {
    write(&header_size, sizeof header_size);
    write(header_text.data(), header_text.size());
    for (const auto& entry : entries_) write(entry.data, entry.bytes);
  });
}

}  // namespace sentlens
