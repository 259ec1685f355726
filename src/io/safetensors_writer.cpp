// The atomic safetensors writer: temporary file, flush, rename.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include <nlohmann/json.hpp>

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

namespace {
// Writes all of `size` bytes or throws.
void write_all(int fd, const void* data, std::size_t size, const std::string& path) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t written = ::write(fd, bytes, size);
    if (written < 0 && errno == EINTR) continue;
    SENTLENS_CHECK(written > 0, IoError, "{}: write failed: {}", path, std::strerror(errno));
    bytes += written;
    size -= static_cast<std::size_t>(written);
  }
}
}  // namespace

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

  const std::string target = path.string();
  std::random_device random;
  const std::string temporary = fmt::format("{}.tmp-{:08x}", target, random());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  SENTLENS_CHECK(fd >= 0, IoError, "{}: cannot create the temporary file {}: {}", target, temporary,
                 std::strerror(errno));
  try {
    write_all(fd, &header_size, sizeof header_size, target);
    write_all(fd, header_text.data(), header_text.size(), target);
    for (const auto& entry : entries_) write_all(fd, entry.data, entry.bytes, target);
    SENTLENS_CHECK(::fsync(fd) == 0, IoError, "{}: flush failed: {}", target, std::strerror(errno));
  } catch (...) {
    ::close(fd);
    std::remove(temporary.c_str());
    throw;
  }
  ::close(fd);
  if (std::rename(temporary.c_str(), target.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temporary.c_str());
    throw IoError(fmt::format("{}: cannot move the written file into place: {}", target, reason));
  }
}

}  // namespace sentlens
