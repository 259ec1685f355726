// Reading JSON files with clear errors.
#include "io/json_file.h"

#include <fstream>
#include <sstream>

#include "sentlens/io/atomic_file.h"
#include "util/check.h"

namespace sentlens {

std::string read_file_bytes(const std::filesystem::path& path, std::uintmax_t max_bytes) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    throw IoError(fmt::format("{}: file not found", path.string()));
  }
  if (std::filesystem::is_directory(path, error)) {
    throw IoError(fmt::format("{}: is a folder, expected a file", path.string()));
  }
  // Anything but a regular file (a FIFO would block until someone writes to it) is refused here,
  // before it is opened.
  if (!std::filesystem::is_regular_file(path, error)) {
    throw IoError(fmt::format("{}: not a regular file (a FIFO, device or socket)", path.string()));
  }
  auto size = std::filesystem::file_size(path, error);
  SENTLENS_CHECK(!error, IoError, "{}: cannot read the file size: {}", path.string(),
                 error.message());
  SENTLENS_CHECK(size <= max_bytes, LimitError,
                 "{}: file is {} bytes, more than the {} bytes allowed", path.string(), size,
                 max_bytes);
  std::ifstream in(path, std::ios::binary);
  SENTLENS_CHECK(in.good(), IoError, "{}: cannot open the file", path.string());
  note_input_file(path);
  std::string content(static_cast<std::size_t>(size), '\0');
  in.read(content.data(), static_cast<std::streamsize>(size));
  SENTLENS_CHECK(in.gcount() == static_cast<std::streamsize>(size), IoError,
                 "{}: could read only {} of {} bytes", path.string(), in.gcount(), size);
  return content;
}

nlohmann::json parse_json(const std::string& text, const std::string& source) {
  // nlohmann's parser itself is iterative; the depth is checked as it goes, before a deep value
  // exists for anything to recurse over.
  const nlohmann::json::parser_callback_t check_depth =
      [&source](int depth, nlohmann::json::parse_event_t /*event*/, nlohmann::json& /*parsed*/) {
        if (depth > kMaxJsonDepth) {
          throw FormatError(
              fmt::format("{}: JSON nested deeper than {} levels", source, kMaxJsonDepth));
        }
        return true;
      };
  try {
    return nlohmann::json::parse(text, check_depth);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, or out_of_range for a number too large for a double ("1e999"; found by
    // fuzzing). nlohmann's message starts with "[json.exception.parse_error.101] parse error at
    // ..."; keep the part after the bracket.
    std::string what = e.what();
    auto bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    throw FormatError(fmt::format("{}: not valid JSON ({})", source, what));
  }
}

std::string json_excerpt(const nlohmann::json& value) {
  constexpr std::size_t kMaxStringBytes = 60;
  if (value.is_array()) return fmt::format("an array of {} elements", value.size());
  if (value.is_object()) return fmt::format("an object of {} fields", value.size());
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() > kMaxStringBytes) {
      std::size_t cut = kMaxStringBytes;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
      return nlohmann::json(text.substr(0, cut))
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
             fmt::format(" (cut, {} bytes)", text.size());
    }
  }
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json read_json_file(const std::filesystem::path& path) {
  return parse_json(read_file_bytes(path, kMaxJsonFileBytes), path.string());
}

}  // namespace sentlens
