// The memory-mapped, validated safetensors reader.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "io/half.h"
#include "io/json_file.h"
#include "sentlens/io/atomic_file.h"
#include "sentlens/io/safetensors.h"

#include "sentlens/io/file_kind.h"
#include "util/check.h"

namespace sentlens {

std::int64_t TensorInfo::numel() const {
  std::int64_t count = 1;
  for (auto dim : shape) count *= dim;
  return count;
}

namespace {

// Closes a file descriptor on scope exit.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

template <typename T>
T load_unaligned(const std::byte* bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof value);
  return value;
}

}  // namespace

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  const std::string name = path.string();
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; fstat then
  // rejects anything that is not a regular file.
  FileDescriptor file{::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (file.fd < 0) {
    throw IoError(fmt::format("{}: cannot open safetensors file: {}", name, std::strerror(errno)));
  }
  struct stat status {};
  SENTLENS_CHECK(::fstat(file.fd, &status) == 0, IoError, "{}: cannot stat: {}", name,
                 std::strerror(errno));
  SENTLENS_CHECK(S_ISREG(status.st_mode), IoError,
                 "{}: not a regular file (a FIFO, device, socket or folder), expected a "
                 "safetensors file",
                 name);
  note_input_file(path);
  auto file_size = static_cast<std::uint64_t>(status.st_size);
  SENTLENS_CHECK(file_size >= 8, FormatError,
                 "{}: not a safetensors file: {} bytes, shorter than the 8-byte header length; "
                 "it is {}",
                 name, file_size, sniff_file_kind(path));

  std::shared_ptr<SafetensorsFile> result(new SafetensorsFile());
  result->path_ = path;
  void* mapping = ::mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, file.fd, 0);
  SENTLENS_CHECK(mapping != MAP_FAILED, IoError, "{}: cannot memory-map {} bytes: {}", name,
                 file_size, std::strerror(errno));
  result->mapping_ = static_cast<const std::byte*>(mapping);
  result->mapping_size_ = file_size;
  result->parse_header(file_size);
  return result;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_ != nullptr) ::munmap(const_cast<std::byte*>(mapping_), mapping_size_);
}

void SafetensorsFile::parse_header(std::uint64_t file_size) {
  const std::string name = path_.string();
  const auto header_size = load_unaligned<std::uint64_t>(mapping_);
  SENTLENS_CHECK(header_size <= file_size - 8, FormatError,
                 "{}: header length {} runs past the end of the file ({} bytes): not a "
                 "safetensors file; it is {}",
                 name, header_size, file_size, sniff_file_kind(path_));
  SENTLENS_CHECK(header_size <= kMaxSafetensorsHeaderBytes, LimitError,
                 "{}: header of {} bytes exceeds the {} bytes allowed", name, header_size,
                 kMaxSafetensorsHeaderBytes);
  std::string header_text(reinterpret_cast<const char*>(mapping_ + 8), header_size);
  nlohmann::json header;
  try {
    // Nesting is bounded while parsing (a 130 KB header can nest 65,000 levels).
    // A repeated tensor name would silently keep the last entry: refuse it.
    std::set<std::string> names;
    const nlohmann::json::parser_callback_t check =
        [&name, &names](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          SENTLENS_CHECK(depth <= kMaxJsonDepth, FormatError,
                         "{}: header JSON nested deeper than {} levels", name, kMaxJsonDepth);
          if (event == nlohmann::json::parse_event_t::key && depth == 1) {
            const auto& key = parsed.get_ref<const std::string&>();
            SENTLENS_CHECK(names.insert(key).second, FormatError,
                           "{}: the header names tensor {} twice", name,
                           json_excerpt(nlohmann::json(key)));
          }
          return true;
        };
    header = nlohmann::json::parse(header_text, check);
  } catch (const nlohmann::json::parse_error& e) {
    throw FormatError(fmt::format("{}: header is not valid JSON (byte {} of the {}-byte header)",
                                  name, e.byte, header_size));
  } catch (const nlohmann::json::exception& e) {
    // A number too large for a double ("1e999") is out_of_range, not parse_error (found by
    // fuzzing).
    std::string what = e.what();
    const auto bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    throw FormatError(fmt::format("{}: header is not valid JSON ({})", name, what));
  }
  SENTLENS_CHECK(header.is_object(), FormatError, "{}: header is JSON but not an object", name);

  data_section_ = mapping_ + 8 + header_size;
  const std::uint64_t data_size = file_size - 8 - header_size;

  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      SENTLENS_CHECK(value.is_object(), FormatError, "{}: __metadata__ is not a JSON object", name);
      for (const auto& [meta_key, meta_value] : value.items()) {
        SENTLENS_CHECK(meta_value.is_string(), FormatError,
                       "{}: __metadata__ value of \"{}\" is not a string", name, meta_key);
        metadata_[meta_key] = meta_value.get<std::string>();
      }
      continue;
    }
    SENTLENS_CHECK(value.is_object(), FormatError, "{}: entry \"{}\" is not a JSON object", name,
                   key);
    TensorInfo info;
    info.name = key;
    auto dtype_field = value.find("dtype");
    SENTLENS_CHECK(dtype_field != value.end() && dtype_field->is_string(), FormatError,
                   "{}: tensor \"{}\" has no dtype string", name, key);
    auto dtype = parse_dtype(dtype_field->get<std::string>());
    SENTLENS_CHECK(dtype.has_value(), FormatError,
                   "{}: tensor \"{}\" has unknown dtype \"{}\" (supported: {})", name, key,
                   dtype_field->get<std::string>(), supported_dtype_names());
    info.dtype = *dtype;

    auto shape_field = value.find("shape");
    SENTLENS_CHECK(shape_field != value.end() && shape_field->is_array(), FormatError,
                   "{}: tensor \"{}\" has no shape array", name, key);
    std::uint64_t numel = 1;
    bool overflow = false;
    for (const auto& dim : *shape_field) {
      SENTLENS_CHECK(
          dim.is_number_unsigned() || (dim.is_number_integer() && dim.get<std::int64_t>() >= 0),
          FormatError, "{}: tensor \"{}\" has a shape entry that is not a non-negative integer: {}",
          name, key, json_excerpt(dim));
      auto extent = dim.get<std::uint64_t>();
      SENTLENS_CHECK(extent <= static_cast<std::uint64_t>(INT64_MAX), FormatError,
                     "{}: tensor \"{}\" has an absurd dimension {}", name, key, extent);
      info.shape.push_back(static_cast<std::int64_t>(extent));
      overflow = overflow || __builtin_mul_overflow(numel, extent, &numel);
    }
    std::uint64_t expected_bytes = 0;
    overflow = overflow || __builtin_mul_overflow(numel, dtype_size(info.dtype), &expected_bytes);
    SENTLENS_CHECK(!overflow, FormatError, "{}: tensor \"{}\" has a shape whose size overflows",
                   name, key);

    auto offsets = value.find("data_offsets");
    SENTLENS_CHECK(offsets != value.end() && offsets->is_array() && offsets->size() == 2 &&
                       (*offsets)[0].is_number_unsigned() && (*offsets)[1].is_number_unsigned(),
                   FormatError,
                   "{}: tensor \"{}\" needs data_offsets [begin, end] of two non-negative integers",
                   name, key);
    info.data_begin = (*offsets)[0].get<std::uint64_t>();
    info.data_end = (*offsets)[1].get<std::uint64_t>();
    SENTLENS_CHECK(info.data_begin <= info.data_end, FormatError,
                   "{}: tensor \"{}\" data_offsets [{}, {}] are reversed (begin after end)", name,
                   key, info.data_begin, info.data_end);
    SENTLENS_CHECK(
        info.data_end <= data_size, FormatError,
        "{}: tensor \"{}\" data_offsets [{}, {}] out of range of the {}-byte data section", name,
        key, info.data_begin, info.data_end, data_size);
    SENTLENS_CHECK(info.byte_size() == expected_bytes, FormatError,
                   "{}: tensor \"{}\" spans {} bytes but shape {} of {} needs {} bytes", name, key,
                   info.byte_size(), shape_field->dump(), dtype_name(info.dtype), expected_bytes);
    tensors_.emplace(key, std::move(info));
  }

  std::vector<const TensorInfo*> by_offset;
  for (const auto& [key, info] : tensors_) by_offset.push_back(&info);
  std::sort(by_offset.begin(), by_offset.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return a->data_begin < b->data_begin ||
           (a->data_begin == b->data_begin && a->data_end < b->data_end);
  });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const TensorInfo& previous = *by_offset[i - 1];
    const TensorInfo& current = *by_offset[i];
    if (current.byte_size() == 0 || previous.byte_size() == 0) continue;
    SENTLENS_CHECK(previous.data_end <= current.data_begin, FormatError,
                   "{}: tensors \"{}\" [{}, {}] and \"{}\" [{}, {}] overlap", name, previous.name,
                   previous.data_begin, previous.data_end, current.name, current.data_begin,
                   current.data_end);
  }
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<const TensorInfo*> infos;
  for (const auto& [key, info] : tensors_) infos.push_back(&info);
  std::stable_sort(infos.begin(), infos.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return a->data_begin < b->data_begin;
  });
  std::vector<std::string> result;
  for (const auto* info : infos) result.push_back(info->name);
  return result;
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
  auto found = tensors_.find(name);
  SENTLENS_CHECK(found != tensors_.end(), FormatError, "{}: no tensor named \"{}\"", path_.string(),
                 name);
  return found->second;
}

const std::byte* SafetensorsFile::data(const std::string& name) const {
  return data_section_ + info(name).data_begin;
}

void SafetensorsFile::release(const std::string& name) const {
  const TensorInfo& tensor = info(name);
  if (tensor.byte_size() == 0) return;
  // Whole pages covering the tensor; neighbours sharing an edge page are simply re-read if used.
  static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin =
      reinterpret_cast<std::uintptr_t>(data_section_ + tensor.data_begin) & ~(page - 1);
  const auto end = reinterpret_cast<std::uintptr_t>(data_section_ + tensor.data_end);
  ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

namespace {
template <typename Out>
std::vector<Out> convert_floating(const SafetensorsFile& file, const TensorInfo& info,
                                  const std::byte* bytes) {
  SENTLENS_CHECK(is_floating(info.dtype), FormatError,
                 "{}: tensor \"{}\" has dtype {}, expected a floating type (F32, F16, BF16, F64)",
                 file.path().string(), info.name, dtype_name(info.dtype));
  const auto count = static_cast<std::size_t>(info.numel());
  std::vector<Out> values(count);
  switch (info.dtype) {
    case DType::F32:
      if constexpr (std::is_same_v<Out, float>) {
        // An empty vector's data() may be null, and memcpy from or to null is undefined even
        // for zero bytes (found by UBSan on an empty tensor).
        if (count > 0) std::memcpy(values.data(), bytes, count * sizeof(float));
      } else {
        for (std::size_t i = 0; i < count; ++i) values[i] = load_unaligned<float>(bytes + 4 * i);
      }
      break;
    case DType::F64:
      for (std::size_t i = 0; i < count; ++i) {
        values[i] = static_cast<Out>(load_unaligned<double>(bytes + 8 * i));
      }
      break;
    case DType::F16:
      for (std::size_t i = 0; i < count; ++i) {
        values[i] = f16_to_f32(load_unaligned<std::uint16_t>(bytes + 2 * i));
      }
      break;
    case DType::BF16:
      for (std::size_t i = 0; i < count; ++i) {
        values[i] = bf16_to_f32(load_unaligned<std::uint16_t>(bytes + 2 * i));
      }
      break;
    default:
      break;
  }
  return values;
}
}  // namespace

std::vector<float> SafetensorsFile::read_f32(const std::string& name) const {
  return convert_floating<float>(*this, info(name), data(name));
}

std::vector<double> SafetensorsFile::read_f64(const std::string& name) const {
  return convert_floating<double>(*this, info(name), data(name));
}

std::vector<std::int64_t> SafetensorsFile::read_i64(const std::string& name) const {
  const TensorInfo& tensor = info(name);
  const std::byte* bytes = data(name);
  const auto count = static_cast<std::size_t>(tensor.numel());
  std::vector<std::int64_t> values(count);
  switch (tensor.dtype) {
    case DType::I64:
      if (count > 0) std::memcpy(values.data(), bytes, count * sizeof(std::int64_t));
      break;
    case DType::I32:
      for (std::size_t i = 0; i < count; ++i)
        values[i] = load_unaligned<std::int32_t>(bytes + 4 * i);
      break;
    case DType::U8:
    case DType::BOOL:
      for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<std::uint8_t>(bytes[i]);
      break;
    default:
      throw FormatError(fmt::format(
          "{}: tensor \"{}\" has dtype {}, expected an integer type (I64, I32, U8, BOOL)",
          path_.string(), name, dtype_name(tensor.dtype)));
  }
  return values;
}

}  // namespace sentlens
