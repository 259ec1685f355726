// The sentlens exception hierarchy: every failure the library reports is one of these.
#pragma once

#include <stdexcept>
#include <string>

namespace sentlens {

/// Base of every error sentlens throws. The message names the input (file, option, tensor) and
/// what was expected, so a caller can print it as is.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A file is not in the format it claims (safetensors, JSON, tokenizer, trace).
class FormatError : public Error {
 public:
  using Error::Error;
};

/// A model configuration is missing, invalid or names an unsupported feature.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// Caller-supplied input is invalid: empty text, out-of-range ids, bad options.
class InputError : public Error {
 public:
  using Error::Error;
};

/// A file could not be opened, read or written.
class IoError : public Error {
 public:
  using Error::Error;
};

/// A request would need more memory or size than sentlens allows.
class LimitError : public Error {
 public:
  using Error::Error;
};

}  // namespace sentlens
