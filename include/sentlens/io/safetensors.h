// Reading and writing safetensors files: a memory-mapped, fully validated reader and an atomic
// writer. No libtorch here: tensors are typed byte ranges; the model layer turns them into tensors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sentlens/io/dtype.h"

namespace sentlens {

/// Largest JSON header sentlens accepts (bytes). Hugging Face's own limit is 100 MB.
inline constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100ull << 20;

/// One tensor entry of a safetensors header.
struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::uint64_t data_begin = 0;  // byte offset inside the data section
  std::uint64_t data_end = 0;    // one past the last byte

  std::int64_t numel() const;
  std::uint64_t byte_size() const { return data_end - data_begin; }
};

/// A read-only, memory-mapped safetensors file whose header has been validated: the header length
/// lies within the file, the header is a JSON object, every dtype is known, every `data_offsets`
/// pair lies inside the data section, matches shape × element size, and no two tensors overlap.
class SafetensorsFile {
 public:
  /// Opens and validates `path`; throws IoError or FormatError naming the file and the problem.
  static std::shared_ptr<const SafetensorsFile> open(const std::filesystem::path& path);

  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// The `__metadata__` string map (empty when the file has none).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  /// Tensor names in the order of their data offsets.
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  /// Throws FormatError naming the file when `name` is absent.
  const TensorInfo& info(const std::string& name) const;
  /// Raw little-endian bytes of a tensor; valid while this object lives.
  const std::byte* data(const std::string& name) const;

  /// Tells the kernel the pages of `name` are not needed any more, so they stop counting towards
  /// resident memory (they are read from the file again if touched). For loaders that convert
  /// each tensor once.
  void release(const std::string& name) const;

  /// Reads any floating tensor as float32 (F16/BF16/F64 converted), row-major.
  std::vector<float> read_f32(const std::string& name) const;
  /// Reads any floating tensor as float64.
  std::vector<double> read_f64(const std::string& name) const;
  /// Reads an integer tensor (I64, I32, U8, BOOL) as int64.
  std::vector<std::int64_t> read_i64(const std::string& name) const;

 private:
  SafetensorsFile() = default;
  void parse_header(std::uint64_t file_size);

  std::filesystem::path path_;
  const std::byte* mapping_ = nullptr;
  std::size_t mapping_size_ = 0;
  const std::byte* data_section_ = nullptr;
  std::map<std::string, TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

/// The tensors of a checkpoint folder: `model.safetensors`, or the shards listed by
/// `model.safetensors.index.json` (each shard opened once; every name the index lists must be in
/// its shard).
class TensorStore {
 public:
  /// Opens the checkpoint in `directory`; throws naming the folder, the index or the shard.
  static TensorStore open_directory(const std::filesystem::path& directory);
  /// A store over a single file.
  static TensorStore open_file(const std::filesystem::path& file);

  bool contains(const std::string& name) const { return location_.count(name) != 0; }
  /// The file holding `name`; throws FormatError naming the checkpoint when absent.
  const SafetensorsFile& file_of(const std::string& name) const;
  const TensorInfo& info(const std::string& name) const { return file_of(name).info(name); }
  std::vector<std::string> names() const;
  /// Every file of the store (one, or the shards).
  const std::vector<std::shared_ptr<const SafetensorsFile>>& files() const { return files_; }
  /// The folder or file the store was opened from, for messages.
  const std::filesystem::path& origin() const { return origin_; }

 private:
  std::filesystem::path origin_;
  std::vector<std::shared_ptr<const SafetensorsFile>> files_;
  std::map<std::string, std::size_t> location_;  // tensor name -> index into files_
};

/// Collects tensors and metadata and writes one safetensors file atomically: the bytes go to a
/// temporary file beside the target, which is flushed and renamed over it, so a killed process
/// never leaves a half-written file.
class SafetensorsWriter {
 public:
  /// Adds a tensor whose bytes (little-endian, row-major) stay valid until write(); `keep_alive`
  /// may own them.
  void add(const std::string& name, DType dtype, std::vector<std::int64_t> shape, const void* data,
           std::shared_ptr<const void> keep_alive = nullptr);
  /// Adds a tensor, copying its values.
  void add_f32(const std::string& name, std::vector<std::int64_t> shape,
               const std::vector<float>& values);
  void add_f64(const std::string& name, std::vector<std::int64_t> shape,
               const std::vector<double>& values);
  void add_i64(const std::string& name, std::vector<std::int64_t> shape,
               const std::vector<std::int64_t>& values);
  void set_metadata(const std::string& key, const std::string& value);
  bool contains(const std::string& name) const;

  /// Writes the file; throws IoError naming the path on failure (the target is then untouched).
  void write(const std::filesystem::path& path) const;

 private:
  struct Entry {
    std::string name;
    DType dtype;
    std::vector<std::int64_t> shape;
    const void* data;
    std::size_t bytes;
    std::shared_ptr<const void> keep_alive;
  };
  std::vector<Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace sentlens
