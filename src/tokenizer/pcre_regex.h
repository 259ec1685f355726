// Private regular expressions of the tokenizer.json backend: PCRE2 (UTF, Unicode properties, JIT)
// and the translation of the Oniguruma patterns that tokenizer.json files carry.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sentlens::hf {

/// A half-open byte range [first, second) of a subject string.
using ByteRange = std::pair<std::size_t, std::size_t>;

/// A compiled PCRE2 pattern. Thread-safe to use from several threads at once.
class Regex {
 public:
  /// Compiles a PCRE2 pattern; `source` names where it came from in the ConfigError message
  /// thrown when it does not compile.
  Regex(const std::string& pcre2_pattern, std::string source);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  /// Every match in valid UTF-8 `text`, left to right, as JavaScript's String.matchAll finds
  /// them: after an empty match the search resumes one code point further.
  void find_all(std::string_view text, std::vector<ByteRange>& matches) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Code;
  std::unique_ptr<Code> code_;
  std::string pattern_;
  std::string source_;
};

/// Translates an Oniguruma pattern (the dialect of Hugging Face `tokenizers`) into PCRE2 with the
/// semantics Tokenizers.js gives it: `\s` is Unicode White_Space, `\d` is Nd, `\w` Oniguruma's word
/// set, `.` excludes only `\n`, `^`/`$` are line anchors on `\n`, `(?i:...)` folds ASCII letters
/// only, atomic groups and possessive quantifiers behave as ordinary ones. Throws ConfigError
/// (naming `source`) for constructs it cannot represent (nested classes, `&&`).
std::string translate_oniguruma(std::string_view pattern, const std::string& source);

/// A PCRE2 pattern matching `literal` exactly.
std::string escape_literal(std::string_view literal);

}  // namespace sentlens::hf
