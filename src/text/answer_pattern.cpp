#include "sentlens/text/answer_pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "sentlens/error.h"
#include "sentlens/text/boxed_answers.h"
#include "util/check.h"

namespace sentlens {

struct AnswerPattern::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

AnswerPattern::AnswerPattern() : description_("boxed") {}

AnswerPattern::AnswerPattern(const std::string& pattern) : description_(pattern) {
  SENTLENS_CHECK(!pattern.empty(), InputError, "the answer pattern is empty");
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    throw InputError(fmt::format("answer pattern '{}' does not compile at offset {}: {}", pattern,
                                 offset, reinterpret_cast<const char*>(message)));
  }
  code_ = std::make_unique<Code>();
  code_->code = code;
}

AnswerPattern::~AnswerPattern() = default;
AnswerPattern::AnswerPattern(AnswerPattern&&) noexcept = default;
AnswerPattern& AnswerPattern::operator=(AnswerPattern&&) noexcept = default;

std::string AnswerPattern::extract(std::string_view text) const {
  if (!code_) return first_boxed_answer(text);
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  SENTLENS_CHECK(data != nullptr, LimitError, "out of memory matching the answer pattern");
  // Invalid UTF-8 in a decoded rollout is not an error here: no match.
  const int found = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(),
                                0, 0, data, nullptr);
  std::string answer;
  if (found > 0) {
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
    const int group = found > 1 ? 1 : 0;
    if (ovector[2 * group] != PCRE2_UNSET) {
      answer =
          std::string(text.substr(ovector[2 * group], ovector[2 * group + 1] - ovector[2 * group]));
    }
  }
  pcre2_match_data_free(data);
  return answer;
}

}  // namespace sentlens
