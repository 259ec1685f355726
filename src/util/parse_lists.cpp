// List parsers for CLI options.
#include "sentlens/util/parse_lists.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "util/check.h"

namespace sentlens {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto end = text.find(separator, start);
    parts.push_back(trim(text.substr(start, end == std::string_view::npos ? end : end - start)));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::int64_t parse_int(std::string_view item, std::string_view option) {
  std::int64_t value = 0;
  const char* begin = item.data();
  const char* end = item.data() + item.size();
  auto [pointer, error] = std::from_chars(begin, end, value);
  SENTLENS_CHECK(!item.empty() && error == std::errc() && pointer == end, InputError,
                 "{}: \"{}\" is not an integer", option, std::string(item));
  return value;
}

void check_not_empty(std::string_view text, std::string_view option) {
  SENTLENS_CHECK(!trim(text).empty(), InputError, "{}: the list is empty", option);
}

// The two integers of "A:B"; InputError "OPTION: "ITEM" is not SHAPE" without a colon.
std::pair<std::int64_t, std::int64_t> parse_colon_pair(std::string_view item,
                                                       std::string_view option,
                                                       std::string_view shape) {
  const auto colon = item.find(':');
  SENTLENS_CHECK(colon != std::string_view::npos, InputError, "{}: \"{}\" is not {}", option,
                 std::string(item), shape);
  return {parse_int(trim(item.substr(0, colon)), option),
          parse_int(trim(item.substr(colon + 1)), option)};
}

}  // namespace

std::vector<std::int64_t> parse_int_list(std::string_view text, std::string_view option) {
  check_not_empty(text, option);
  std::vector<std::int64_t> values;
  for (auto item : split(text, ',')) values.push_back(parse_int(item, option));
  return values;
}

std::vector<std::pair<std::int64_t, std::int64_t>> parse_range_list(std::string_view text,
                                                                    std::string_view option) {
  check_not_empty(text, option);
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
  for (auto item : split(text, ',')) {
    const auto [start, end] = parse_colon_pair(item, option, "a range start:end");
    SENTLENS_CHECK(start <= end, InputError, "{}: range {}:{} ends before it starts", option, start,
                   end);
    ranges.emplace_back(start, end);
  }
  return ranges;
}

std::vector<std::int64_t> parse_index_set(std::string_view text, std::int64_t limit,
                                          std::string_view option) {
  check_not_empty(text, option);
  std::vector<std::int64_t> indices;
  for (auto item : split(text, ',')) {
    // A '-' after the first character separates a run ("2-4"); a leading one is a sign.
    auto dash = item.find('-', 1);
    std::int64_t first = 0, last = 0;
    if (dash == std::string_view::npos) {
      first = last = parse_int(item, option);
    } else {
      first = parse_int(trim(item.substr(0, dash)), option);
      last = parse_int(trim(item.substr(dash + 1)), option);
    }
    SENTLENS_CHECK(first <= last, InputError,
                   "{}: \"{}\" is a reversed range: write the smaller index first ({}-{})", option,
                   std::string(item), last, first);
    SENTLENS_CHECK(first >= 0 && last < limit, InputError, "{}: \"{}\" is outside 0..{}", option,
                   std::string(item), limit - 1);
    for (auto index = first; index <= last; ++index) indices.push_back(index);
  }
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  return indices;
}

std::vector<std::pair<std::int64_t, std::int64_t>> parse_head_list(std::string_view text,
                                                                   std::string_view option) {
  check_not_empty(text, option);
  std::vector<std::pair<std::int64_t, std::int64_t>> heads;
  for (auto item : split(text, ',')) {
    const auto [layer, head] = parse_colon_pair(item, option, "LAYER:HEAD");
    SENTLENS_CHECK(layer >= 0 && head >= 0, InputError, "{}: \"{}\" has a negative index", option,
                   std::string(item));
    heads.emplace_back(layer, head);
  }
  std::sort(heads.begin(), heads.end());
  heads.erase(std::unique(heads.begin(), heads.end()), heads.end());
  return heads;
}

}  // namespace sentlens
