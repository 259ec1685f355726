// The CLI list parsers.
#include <gtest/gtest.h>

#include "sentlens/error.h"
#include "sentlens/util/parse_lists.h"

namespace sentlens {
namespace {

TEST(ParseLists, IntegerLists) {
  EXPECT_EQ(parse_int_list("1, 2,3", "--ids"), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(parse_int_list("-5", "--ids"), (std::vector<std::int64_t>{-5}));
  EXPECT_THROW(parse_int_list("", "--ids"), InputError);
  EXPECT_THROW(parse_int_list("1,,2", "--ids"), InputError);
  try {
    parse_int_list("1,x2", "--ids");
    FAIL();
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(), "--ids: \"x2\" is not an integer");
  }
  EXPECT_THROW(parse_int_list("99999999999999999999", "--ids"), InputError);
}

TEST(ParseLists, RangeLists) {
  auto ranges = parse_range_list("5:8, 8:12", "--boundaries");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[1], (std::pair<std::int64_t, std::int64_t>{8, 12}));
  EXPECT_THROW(parse_range_list("5-8", "--boundaries"), InputError);
  try {
    parse_range_list("9:3", "--boundaries");
    FAIL();
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(), "--boundaries: range 9:3 ends before it starts");
  }
}

TEST(ParseLists, IndexSets) {
  EXPECT_EQ(parse_index_set("3,0-1,1", 4, "--layers"), (std::vector<std::int64_t>{0, 1, 3}));
  EXPECT_THROW(parse_index_set("4", 4, "--layers"), InputError);
  EXPECT_THROW(parse_index_set("-1", 4, "--layers"), InputError);
  EXPECT_THROW(parse_index_set("3-1", 4, "--layers"), InputError);
}

TEST(ParseLists, HeadList) {
  using Heads = std::vector<std::pair<std::int64_t, std::int64_t>>;
  EXPECT_EQ(parse_head_list("3:1, 0:2,3:1", "--heads"), (Heads{{0, 2}, {3, 1}}));
  EXPECT_THROW(parse_head_list("3", "--heads"), InputError);
  EXPECT_THROW(parse_head_list("3:x", "--heads"), InputError);
  EXPECT_THROW(parse_head_list("-1:0", "--heads"), InputError);
  EXPECT_THROW(parse_head_list("", "--heads"), InputError);
}

}  // namespace
}  // namespace sentlens
