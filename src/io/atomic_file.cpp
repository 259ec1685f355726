// The one atomic file writer and the output-safety check (include/sentlens/io/atomic_file.h).
#include "sentlens/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "util/check.h"

namespace sentlens {

namespace {

std::mutex inputs_mutex;
std::atomic<bool> inputs_protected{false};
std::set<std::pair<dev_t, ino_t>>& inputs() {
  static std::set<std::pair<dev_t, ino_t>> files;
  return files;
}

// Temporary files being written, for the signal handler: fixed slots of fixed buffers (no
// allocation, no locks in the handler).
constexpr std::size_t kSlots = 8;
constexpr std::size_t kPathBytes = 4096;
std::array<std::atomic<bool>, kSlots> slot_used{};
std::array<std::array<char, kPathBytes>, kSlots> slot_path{};

// Claims a slot for `path` while it exists; a path too long for a slot is simply not tracked.
class ActiveTemporary {
 public:
  explicit ActiveTemporary(const std::string& path) {
    if (path.size() >= kPathBytes) return;
    for (std::size_t i = 0; i < kSlots; ++i) {
      bool expected = false;
      if (slot_used[i].load() || !slot_used[i].compare_exchange_strong(expected, true)) continue;
      std::memcpy(slot_path[i].data(), path.c_str(), path.size() + 1);
      slot_ = static_cast<int>(i);
      ready_[slot_].store(true);
      return;
    }
  }
  ~ActiveTemporary() {
    if (slot_ < 0) return;
    ready_[slot_].store(false);
    slot_used[static_cast<std::size_t>(slot_)].store(false);
  }
  ActiveTemporary(const ActiveTemporary&) = delete;
  ActiveTemporary& operator=(const ActiveTemporary&) = delete;

  static std::array<std::atomic<bool>, kSlots> ready_;

 private:
  int slot_ = -1;
};

std::array<std::atomic<bool>, kSlots> ActiveTemporary::ready_{};

void write_all(int fd, const void* data, std::size_t size, const std::string& target) {
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t written = ::write(fd, bytes, size);
    if (written < 0 && errno == EINTR) continue;
    SENTLENS_CHECK(written > 0, IoError, "{}: write failed: {}", target,
                   written < 0 ? std::strerror(errno) : "no progress");
    bytes += written;
    size -= static_cast<std::size_t>(written);
  }
}

}  // namespace

void note_input_file(const std::filesystem::path& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return;
  std::lock_guard<std::mutex> lock(inputs_mutex);
  inputs().emplace(status.st_dev, status.st_ino);
}

void protect_input_files() {
  inputs_protected.store(true);
}

void forget_input_file(const std::filesystem::path& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return;
  std::lock_guard<std::mutex> lock(inputs_mutex);
  inputs().erase({status.st_dev, status.st_ino});
}

void check_output_path(const std::filesystem::path& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return;  // a new file
  SENTLENS_CHECK(S_ISREG(status.st_mode), IoError,
                 "{}: exists and is not a regular file (a folder, device, FIFO or socket); "
                 "refusing to replace it: write to a regular file",
                 path.string());
  if (!inputs_protected.load()) return;
  std::lock_guard<std::mutex> lock(inputs_mutex);
  SENTLENS_CHECK(inputs().count({status.st_dev, status.st_ino}) == 0, IoError,
                 "{}: is also an input of this run; writing it would destroy that input: choose "
                 "another output path",
                 path.string());
}

void write_file_atomically(
    const std::filesystem::path& path,
    const std::function<void(const std::function<void(const void*, std::size_t)>& write)>&
        produce) {
  check_output_path(path);
  const std::string target = path.string();
  std::random_device random;
  const std::string temporary = fmt::format("{}.tmp-{:08x}", target, random());
  ActiveTemporary active(temporary);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  SENTLENS_CHECK(fd >= 0, IoError, "{}: cannot create the temporary file {}: {}", target, temporary,
                 std::strerror(errno));
  try {
    produce([&](const void* data, std::size_t size) { write_all(fd, data, size, target); });
    SENTLENS_CHECK(::fsync(fd) == 0, IoError, "{}: flush failed: {}", target, std::strerror(errno));
  } catch (...) {
    ::close(fd);
    std::remove(temporary.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temporary.c_str());
    throw IoError(fmt::format("{}: flush failed: {}", target, reason));
  }
  if (std::rename(temporary.c_str(), target.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temporary.c_str());
    throw IoError(fmt::format("{}: cannot move the written file into place: {}", target, reason));
  }
}

void write_text_atomically(const std::filesystem::path& path, std::string_view text) {
  write_file_atomically(path, [&](const auto& write) { write(text.data(), text.size()); });
}

void remove_active_temporary_files() {
  for (std::size_t i = 0; i < kSlots; ++i) {
    if (ActiveTemporary::ready_[i].load()) ::unlink(slot_path[i].data());
  }
}

}  // namespace sentlens
