// Bench helpers (not benchmarks): the benchmarks' long reasoning-like text and option lists.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sentlens::bench {

/// A text of at least `tokens` tokens under the tokenizer of `tokenizer_dir`: a prompt, "<think>",
/// paragraphs of five repeating sentences (statements, a question, a check), "</think>" and an
/// answer.
std::string make_bench_text(const std::filesystem::path& tokenizer_dir, std::int64_t tokens);

/// "a,b,,c" -> {"a", "b", "c"}: the benches' comma-separated options.
std::vector<std::string> split_list(const std::string& text);

}  // namespace sentlens::bench
