// Profile names.
#include "sentlens/util/profile.h"

#include <fmt/format.h>

#include "sentlens/error.h"

namespace sentlens {

const char* profile_name(Profile profile) {
  return profile == Profile::kReference ? "reference" : "clean";
}

Profile parse_profile(std::string_view text, std::string_view option) {
  if (text == "clean") return Profile::kClean;
  if (text == "reference") return Profile::kReference;
  throw InputError(
      fmt::format("{}: unknown profile '{}', expected 'clean' or 'reference'", option, text));
}

}  // namespace sentlens
