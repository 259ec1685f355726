// The CLI list parsers.
#include <gtest/gtest.h>

#include "sentlens/error.h"
#include "sentlens/util/parse_lists.h"
#include "test_support.h"

namespace sentlens {
namespace {

TEST(ParseLists, IntegerLists) {
  EXPECT_EQ(parse_int_list("1, 2,3", "--ids"), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(parse_int_list("-5", "--ids"), (std::vector<std::int64_t>{-5}));
  testing::expect_error<InputError>([&] { (void)(parse_int_list("", "--ids")); });
  testing::expect_error<InputError>([&] { (void)(parse_int_list("1,,2", "--ids")); });
  EXPECT_EQ(testing::error_of<InputError>([&] { parse_int_list("1,x2", "--ids"); }),
            "--ids: \"x2\" is not an integer");
  testing::expect_error<InputError>(
      [&] { (void)(parse_int_list("99999999999999999999", "--ids")); });
}

TEST(ParseLists, RangeLists) {
  auto ranges = parse_range_list("5:8, 8:12", "--boundaries");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[1], (std::pair<std::int64_t, std::int64_t>{8, 12}));
  testing::expect_error<InputError>([&] { (void)(parse_range_list("5-8", "--boundaries")); });
  EXPECT_EQ(testing::error_of<InputError>([&] { parse_range_list("9:3", "--boundaries"); }),
            "--boundaries: range 9:3 ends before it starts");
}

TEST(ParseLists, IndexSets) {
  EXPECT_EQ(parse_index_set("3,0-1,1", 4, "--layers"), (std::vector<std::int64_t>{0, 1, 3}));
  testing::expect_error<InputError>([&] { (void)(parse_index_set("4", 4, "--layers")); });
  testing::expect_error<InputError>([&] { (void)(parse_index_set("-1", 4, "--layers")); });
  testing::expect_error<InputError>([&] { (void)(parse_index_set("3-1", 4, "--layers")); });
}

TEST(ParseLists, HeadList) {
  using Heads = std::vector<std::pair<std::int64_t, std::int64_t>>;
  EXPECT_EQ(parse_head_list("3:1, 0:2,3:1", "--heads"), (Heads{{0, 2}, {3, 1}}));
  testing::expect_error<InputError>([&] { (void)(parse_head_list("3", "--heads")); });
  testing::expect_error<InputError>([&] { (void)(parse_head_list("3:x", "--heads")); });
  testing::expect_error<InputError>([&] { (void)(parse_head_list("-1:0", "--heads")); });
  testing::expect_error<InputError>([&] { (void)(parse_head_list("", "--heads")); });
}

}  // namespace
}  // namespace sentlens
