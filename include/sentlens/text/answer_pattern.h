// How a rollout's final answer is read: the first `\boxed{...}` as the original Thought Anchors
// code does, or a regular expression for models that state answers otherwise (the demo model ends
// with "... = 12 is the answer.").
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace sentlens {

class AnswerPattern {
 public:
  /// The original's rule: first_boxed_answer.
  AnswerPattern();
  /// A PCRE2 pattern (UTF-8, Unicode properties): the answer is the first capture group of the
  /// first match, or the whole match when the pattern has no group; "" when nothing matches.
  /// Throws InputError naming the pattern and the offset when it does not compile.
  explicit AnswerPattern(const std::string& pattern);
  ~AnswerPattern();
  AnswerPattern(AnswerPattern&&) noexcept;
  AnswerPattern& operator=(AnswerPattern&&) noexcept;

  std::string extract(std::string_view text) const;
  /// "boxed" or the pattern.
  const std::string& description() const { return description_; }

 private:
  struct Code;
  std::unique_ptr<Code> code_;
  std::string description_;
};

}  // namespace sentlens
