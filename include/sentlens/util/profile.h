// The one switch between our behaviour and the original Thought Anchors code's, wherever the two
// differ (metrics.md §8.1): sentence splitting and token alignment, sentence pooling, suppression.
#pragma once

#include <string_view>

namespace sentlens {

/// Which behaviour to follow where the original code has quirks. What each value means in each
/// place is documented there: SplitOptions (splitting), pooling_ranges (pooling),
/// SuppressionOptions (masking and KL).
enum class Profile {
  kClean,      // our behaviour: exact spans, nothing dropped, exact KL (default everywhere)
  kReference,  // reproduces the original code (HEAD 2a15f77) and its golden files
};

/// "clean" or "reference".
const char* profile_name(Profile profile);
/// Parses "clean" / "reference"; throws InputError naming `option` otherwise.
Profile parse_profile(std::string_view text, std::string_view option = "--profile");

}  // namespace sentlens
