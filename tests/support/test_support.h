// Shared test helpers: locating ../shared, temporary folders, and comparing arrays.
#pragma once

#include <cstdint>
#include <exception>
#include <filesystem>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace sentlens::testing {

/// The shared folder: $SENTLENS_SHARED, else ../shared beside the repository.
std::filesystem::path shared_dir();

/// True when `relative` exists under shared/. When it does not, the test is skipped with a visible
/// reason, or fails when SENTLENS_REQUIRE_SHARED=1 (as in CI).
bool shared_available(const std::string& relative);

/// A fresh, empty temporary folder removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void write_text_file(const std::filesystem::path& path, const std::string& text);
std::string read_text_file(const std::filesystem::path& path);
void write_binary_file(const std::filesystem::path& path, const std::vector<char>& bytes);

/// Largest |a - b| over two equally long arrays; NaN where exactly one side is NaN or the NaN
/// patterns differ, +inf where the infinities differ.
double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b);
double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b);

/// The readable name of a type (demangled typeid name).
std::string type_name(const std::type_info& type);

/// The message of the error `action` throws, which must be exactly an E: each sentlens::Error
/// subclass has its own exit code, so a base class or a sibling is a failure, as is no error at
/// all (both return "").
template <typename E, typename Action>
std::string error_of(Action&& action) {
  try {
    action();
  } catch (const std::exception& error) {
    if (typeid(error) == typeid(E)) return error.what();
    ADD_FAILURE() << "expected " << type_name(typeid(E)) << ", got " << type_name(typeid(error))
                  << ": " << error.what();
    return {};
  }
  ADD_FAILURE() << "expected " << type_name(typeid(E)) << ", but nothing was thrown";
  return {};
}

/// Checks that `action` throws exactly an E, where the test needs no more than the type.
template <typename E, typename Action>
void expect_error(Action&& action) {
  (void)error_of<E>(std::forward<Action>(action));
}

}  // namespace sentlens::testing

/// Skips (or, with SENTLENS_REQUIRE_SHARED=1, fails) the current test when shared/`relative` is
/// missing.
#define SENTLENS_REQUIRE_SHARED_FILE(relative)                                       \
  do {                                                                               \
    if (!::sentlens::testing::shared_available(relative)) {                          \
      if (std::getenv("SENTLENS_REQUIRE_SHARED") != nullptr &&                       \
          std::string(std::getenv("SENTLENS_REQUIRE_SHARED")) == "1") {              \
        FAIL() << "missing shared file: " << (relative);                             \
      }                                                                              \
      GTEST_SKIP() << "shared file not found (set SENTLENS_SHARED): " << (relative); \
    }                                                                                \
  } while (false)
