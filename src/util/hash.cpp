// Content hashing for fingerprints.
#include "util/hash.h"

#include <fmt/format.h>

namespace sentlens {

std::string Fnv1a::hex() const {
  return fmt::format("{:016x}", state_);
}

std::string fnv1a_hex(std::string_view bytes) {
  Fnv1a hash;
  hash.update(bytes);
  return hash.hex();
}

}  // namespace sentlens
