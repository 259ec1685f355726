// Final answers of reasoning traces as Thought Anchors reads them (metrics.md §1.9): the first
// `\boxed{...}` of a text, the LaTeX normalisation that answer distributions are counted over,
// and the string comparison that decides correctness.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sentlens {

/// Every non-empty `\boxed{...}` of `text` with braces matched (an unclosed box runs to the end of
/// the text), in order; `{""}` when there is none (the original `extract_boxed_answers`).
std::vector<std::string> extract_boxed_answers(std::string_view text);

/// The first boxed answer of `text`, "" when there is none (what the original stores as `answer`).
std::string first_boxed_answer(std::string_view text);

/// The original `normalize_latex` (= `normalize_answer`), step by step with Python's semantics:
/// strip and lower-case; dfrac/tfrac -> frac; remove whitespace, `\%` and `{,}`; `\times` and
/// `\cdot` -> `*`; a decimal comma between digits -> point (one left-to-right pass, so "1,234,567"
/// becomes "1.234,567"); one pass removing braces around brace-free content; `\pi` -> pi; drop
/// `\text{...}` / `\mathrm{...}` wrappers; "october\\30" -> "october30"; remaining `\text` removed.
/// Not idempotent: "{{x}}" -> "{x}". Throws InputError for invalid UTF-8.
std::string normalize_answer(std::string_view answer);

/// The original `check_answer` without its SymPy fallback: the normalised strings are equal.
/// (The golden files were made without a working SymPy LaTeX parser, so this is what the
/// original computes there; `0.5` and `\frac{1}{2}` do not match.)
bool answers_match(std::string_view answer, std::string_view ground_truth);

}  // namespace sentlens
