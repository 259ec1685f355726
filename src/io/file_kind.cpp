// File sniffing for error messages: a few bytes from the start, then the safetensors metadata.
#include "sentlens/io/file_kind.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <system_error>

#include "sentlens/io/safetensors.h"

namespace sentlens {

namespace {

constexpr std::size_t kSniffBytes = 4096;

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A safetensors file starts with a little-endian header length that fits the file, then '{'.
bool looks_like_safetensors(const std::string& head, std::uintmax_t size) {
  if (head.size() < 9 || size < 9) return false;
  std::uint64_t header = 0;
  for (int i = 7; i >= 0; --i) header = (header << 8) | static_cast<unsigned char>(head[i]);
  return header >= 2 && header <= size - 8 && head[8] == '{';
}

}  // namespace

std::string sniff_file_kind(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return std::filesystem::exists(path / "config.json", error)
               ? "a checkpoint folder (config.json)"
               : "a folder";
  }
  if (!std::filesystem::exists(path, error)) return "a path that does not exist";
  if (!std::filesystem::is_regular_file(path, error)) return "not a regular file";
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) return "a file that cannot be read";
  if (size == 0) return "an empty file";
  std::ifstream in(path, std::ios::binary);
  std::string head(static_cast<std::size_t>(std::min<std::uintmax_t>(size, kSniffBytes)), '\0');
  if (!in.read(head.data(), static_cast<std::streamsize>(head.size()))) {
    return "a file that cannot be read";
  }
  if (looks_like_safetensors(head, size)) return "a safetensors file";
  std::size_t start = head.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;  // UTF-8 byte order mark
  while (start < head.size() && std::isspace(static_cast<unsigned char>(head[start]))) ++start;
  const std::string opening = lowercase(head.substr(start, 16));
  std::size_t control = 0;
  for (char c : head) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == 0) return "a binary file";
    if (byte < 0x20 && byte != '\n' && byte != '\r' && byte != '\t' && byte != '\f') ++control;
  }
  if (control * 20 > head.size()) return "a binary file";
  if (opening.rfind("<!doctype html", 0) == 0 || opening.rfind("<html", 0) == 0) {
    return "an HTML file";
  }
  if (!opening.empty() && (opening[0] == '{' || opening[0] == '[')) return "a JSON file";
  return "a text file";
}

std::string describe_file(const std::filesystem::path& path) {
  const std::string kind = sniff_file_kind(path);
  if (kind != "a safetensors file") return kind;
  try {
    const auto file = SafetensorsFile::open(path);
    const auto& metadata = file->metadata();
    if (metadata.count("sentlens.schema_version") != 0) return "a sentlens trace";
    for (const auto& [key, value] : metadata) {
      if (key.rfind("sentlens.act.", 0) == 0)
        return "a `sentlens calibrate --out` file (ACT calibration)";
    }
    const auto producer = metadata.find("producer");
    if (producer != metadata.end()) {
      if (producer->second == "sentlens receivers")
        return "a `sentlens receivers --out` file (receiver heads)";
      if (producer->second == "sentlens suppress")
        return "a `sentlens suppress --out` file (suppression matrix)";
      if (producer->second == "sentlens forward")
        return "a `sentlens forward --attention` file (attention maps)";
    }
    if (file->contains("receiver_heads")) return "a receiver-heads file (safetensors)";
    return "a safetensors file without sentlens metadata (e.g. a checkpoint shard)";
  } catch (const std::exception&) {
    return kind;
  }
}

}  // namespace sentlens
