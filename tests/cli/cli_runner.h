// Runs the sentlens CLI as a user would and captures its output and exit code.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "test_support.h"

namespace sentlens::testing {

struct CliResult {
  int exit_code = -1;
  bool signaled = false;  // ended by a signal (a crash): never acceptable
  std::string out;
  std::string err;
};

/// Runs `sentlens ARGS` through the shell; stderr is captured through a temporary file.
inline CliResult run_cli(const std::string& arguments) {
  TempDir dir;
  const auto err_path = dir / "stderr.txt";
  const std::string command =
      std::string(SENTLENS_CLI_PATH) + " " + arguments + " 2>" + err_path.string();
  CliResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t count;
  while ((count = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.out.append(buffer.data(), count);
  }
  const int status = ::pclose(pipe);
  // The shell reports a child killed by signal N as exit status 128 + N.
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
    result.signaled = result.exit_code > 128;
  } else {
    result.signaled = true;
  }
  result.err = read_text_file(err_path);
  return result;
}

/// A safetensors file with the given header text and `data_bytes` zero bytes after it.
inline std::vector<char> safetensors_bytes(const std::string& header, std::size_t data_bytes) {
  std::string bytes(8, '\0');
  const std::uint64_t size = header.size();
  std::memcpy(bytes.data(), &size, 8);
  bytes += header;
  bytes.append(data_bytes, '\0');
  return {bytes.begin(), bytes.end()};
}

/// Quotes a path or string for the shell.
inline std::string quoted(const std::string& text) {
  std::string result = "'";
  for (char c : text) result += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return result + "'";
}

/// The shared stories260K checkpoint folder, quoted for a command line.
inline std::string stories_model() {
  return quoted((shared_dir() / "models/stories260K").string());
}

}  // namespace sentlens::testing
