// Parsers for the list syntax of CLI options (`--ids 1,2,3`, `--boundaries 5:8,8:12`,
// `--layers 0,2-4`). Kept in the library so they are tested and fuzzed like every other parser.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace sentlens {

/// "1, 2,3" -> {1, 2, 3}. Throws InputError naming `option` and the bad item; an empty list is an
/// error.
std::vector<std::int64_t> parse_int_list(std::string_view text, std::string_view option);

/// "5:8,8:12" -> {{5, 8}, {8, 12}} half-open ranges; each needs start <= end.
std::vector<std::pair<std::int64_t, std::int64_t>> parse_range_list(std::string_view text,
                                                                    std::string_view option);

/// "0,2-4" -> {0, 2, 3, 4}: single indices and inclusive runs, sorted, without duplicates; every
/// index must be < `limit`.
std::vector<std::int64_t> parse_index_set(std::string_view text, std::int64_t limit,
                                          std::string_view option);

/// "3:1, 0:2" -> {{0, 2}, {3, 1}}: LAYER:HEAD pairs, sorted, without duplicates. Range checks
/// against a model are the caller's.
std::vector<std::pair<std::int64_t, std::int64_t>> parse_head_list(std::string_view text,
                                                                   std::string_view option);

}  // namespace sentlens
