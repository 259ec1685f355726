// Profile names: both ways, and an unknown name refused with the option it came from.
#include <gtest/gtest.h>

#include "sentlens/error.h"
#include "sentlens/util/profile.h"
#include "test_support.h"

namespace sentlens {
namespace {

TEST(Profile, NamesRoundTripAndAnUnknownNameNamesItsOption) {
  for (const Profile profile : {Profile::kClean, Profile::kReference}) {
    EXPECT_EQ(parse_profile(profile_name(profile)), profile);
  }
  EXPECT_STREQ(profile_name(Profile::kClean), "clean");
  EXPECT_STREQ(profile_name(Profile::kReference), "reference");
  EXPECT_EQ(testing::error_of<InputError>([] { parse_profile("exact"); }),
            "--profile: unknown profile 'exact', expected 'clean' or 'reference'");
  EXPECT_EQ(testing::error_of<InputError>([] { parse_profile("", "--suppress-profile"); }),
            "--suppress-profile: unknown profile '', expected 'clean' or 'reference'");
}

}  // namespace
}  // namespace sentlens
