// Private content hashing for fingerprints (config, tokenizer files, traces).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sentlens {

/// Incremental 64-bit FNV-1a. Not cryptographic: it tells files apart, it does not authenticate.
class Fnv1a {
 public:
  void update(std::string_view bytes) {
    for (unsigned char byte : bytes) {
      state_ ^= byte;
      state_ *= 0x100000001b3ull;
    }
  }
  std::uint64_t value() const { return state_; }
  /// 16 lowercase hex digits.
  std::string hex() const;

 private:
  std::uint64_t state_ = 0xcbf29ce484222325ull;
};

/// FNV-1a of `bytes` as 16 hex digits.
std::string fnv1a_hex(std::string_view bytes);

}  // namespace sentlens
