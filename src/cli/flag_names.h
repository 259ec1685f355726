// Library messages name option fields (prompt_chars, top_k, ...), which is what a library user
// sets; the CLI's users set flags. The CLI rewrites the field names it has flags for before it
// prints an error, a warning or a note.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sentlens::cli {

/// `message` with every option field the CLI has a flag for, where it stands alone as a word (not
/// inside `max_top_k` or a path such as `/tmp/top_k/`), replaced by that flag: "top_k must be at
/// least 0" becomes "--top-k must be at least 0".
std::string in_cli_terms(std::string_view message);

/// in_cli_terms of each message.
std::vector<std::string> in_cli_terms(const std::vector<std::string>& messages);

}  // namespace sentlens::cli
