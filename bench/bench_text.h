// The benchmarks' long reasoning-like text (bench helper, not a benchmark).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace sentlens::bench {

/// A text of at least `tokens` tokens under the tokenizer of `tokenizer_dir`: a prompt, "<think>",
/// paragraphs of five repeating sentences (statements, a question, a check), "</think>" and an
/// answer.
std::string make_bench_text(const std::filesystem::path& tokenizer_dir, std::int64_t tokens);

}  // namespace sentlens::bench
