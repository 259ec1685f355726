// PCRE2 patterns for the tokenizer.json backend, and the Oniguruma -> PCRE2 translation.
#include "tokenizer/pcre_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cctype>

#include "tokenizer/js_text.h"
#include "util/check.h"

namespace sentlens::hf {

struct Regex::Code {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Code() { pcre2_code_free(code); }
};

namespace {

std::string pcre2_message(int error_code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(error_code, buffer, sizeof buffer);
  return reinterpret_cast<const char*>(buffer);
}

// One JIT stack per thread, shared by every pattern: long runs of one pre-token class (a 100 kB
// line of letters) need more than PCRE2's 32 kB default.
pcre2_match_context* thread_match_context() {
  struct Context {
    pcre2_match_context* context = pcre2_match_context_create(nullptr);
    pcre2_jit_stack* stack = pcre2_jit_stack_create(64 * 1024, 64 * 1024 * 1024, nullptr);
    Context() { pcre2_jit_stack_assign(context, nullptr, stack); }
    ~Context() {
      pcre2_jit_stack_free(stack);
      pcre2_match_context_free(context);
    }
  };
  thread_local Context context;
  return context.context;
}

}  // namespace

Regex::Regex(const std::string& pcre2_pattern, std::string source)
    : code_(std::make_unique<Code>()), pattern_(pcre2_pattern), source_(std::move(source)) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  code_->code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pcre2_pattern.data()), pcre2_pattern.size(),
                    PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
  // The pattern comes from a file (tokenizer.json): a malformed file, not a model config error.
  SENTLENS_CHECK(code_->code != nullptr, FormatError,
                 "{}: regular expression does not compile ({} at offset {} of PCRE2 pattern '{}')",
                 source_, pcre2_message(error_code), error_offset, pcre2_pattern);
  code_->jit = pcre2_jit_compile(code_->code, PCRE2_JIT_COMPLETE) == 0;
}

Regex::~Regex() = default;

void Regex::find_all(std::string_view text, std::vector<ByteRange>& matches) const {
  matches.clear();
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  SENTLENS_CHECK(data != nullptr, Error, "{}: out of memory for regex match data", source_);
  std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> guard(data, pcre2_match_data_free);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  pcre2_match_context* context = thread_match_context();
  std::size_t position = 0;
  while (position <= text.size()) {
    // The text was validated once by the caller; PCRE2 need not check it again.
    const int rc = code_->jit ? pcre2_jit_match(code_->code, subject, text.size(), position,
                                                PCRE2_NO_UTF_CHECK, data, context)
                              : pcre2_match(code_->code, subject, text.size(), position,
                                            PCRE2_NO_UTF_CHECK, data, context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    SENTLENS_CHECK(rc >= 0, LimitError, "{}: regular expression failed on a {}-byte text ({})",
                   source_, text.size(), pcre2_message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
    const std::size_t start = ovector[0], end = ovector[1];
    matches.emplace_back(start, end);
    if (end > start) {
      position = end;
    } else {
      if (end >= text.size()) break;
      position = end + utf8_sequence_length(static_cast<unsigned char>(text[end]));
    }
  }
}

std::string escape_literal(std::string_view literal) {
  std::string out;
  for (char c : literal) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80 && !std::isalnum(byte) && byte != ' ') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

namespace {

// Oniguruma's word characters as Tokenizers.js spells them.
constexpr const char* kWordCharsInClass = R"(\p{Alphabetic}\p{M}\p{Nd}\p{Pc})";
constexpr const char* kWordCharsExtra = R"(\x{B2}\x{B3}\x{B9}\x{BC}-\x{BE})";
constexpr const char* kHexDigits = "0-9A-Fa-f";

std::string word_class(bool negated) {
  return std::string(negated ? "[^" : "[") + kWordCharsInClass + kWordCharsExtra + "]";
}

std::string word_boundary(bool negated) {
  const std::string w = word_class(false);
  if (negated) return "(?:(?<!" + w + ")(?!" + w + ")|(?<=" + w + ")(?=" + w + "))";
  return "(?:(?<!" + w + ")(?=" + w + ")|(?<=" + w + ")(?!" + w + "))";
}

bool is_ascii_letter(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string folded_letter(char32_t c) {
  const char lower = static_cast<char>(std::tolower(static_cast<int>(c)));
  const char upper = static_cast<char>(std::toupper(static_cast<int>(c)));
  return std::string("[") + lower + upper + "]";
}

// POSIX bracket names Tokenizers.js supports, as PCRE2 class fragments.
const char* posix_fragment(const std::string& name) {
  if (name == "alpha") return R"(\p{Alphabetic})";
  if (name == "alnum") return R"(\p{Alphabetic}\p{Nd})";
  if (name == "digit") return R"(\p{Nd})";
  if (name == "lower") return R"(\p{Lowercase})";
  if (name == "upper") return R"(\p{Uppercase})";
  if (name == "space") return R"(\p{White_Space})";
  if (name == "blank") return R"(\t\p{Zs})";
  if (name == "punct") return R"(\p{P}\p{S})";
  if (name == "cntrl") return R"(\p{Cc})";
  if (name == "word") return kWordCharsInClass;
  if (name == "xdigit") return kHexDigits;
  return nullptr;
}

class Translator {
 public:
  Translator(std::string_view pattern, const std::string& source) : in_(pattern), source_(source) {}

  std::string run() {
    while (i_ < in_.size()) step();
    return out_;
  }

 private:
  [[noreturn]] void unsupported(const std::string& what) const {
    throw ConfigError(
        fmt::format("{}: regular expression '{}' uses {} at offset {}, which sentlens "
                    "(like Tokenizers.js) does not support",
                    source_, in_, what, i_));
  }

  char32_t peek(std::size_t at, std::size_t* length) const {
    return decode_code_point(in_, at, length);
  }

  void emit_atom(const std::string& text) {
    atom_start_ = out_.size();
    out_ += text;
    last_was_quantifier_ = false;
  }

  // `\x{...}`, `\xHH`, `\uHHHH`, `\cX`; returns false when the escape at i_ is none of these.
  bool code_point_escape(std::string* pcre2, bool* ascii_letter, char32_t* value) {
    const std::string_view rest = in_.substr(i_);
    std::size_t digits_begin = 0, digits_end = 0, consumed = 0;
    if (rest.size() >= 4 && (rest[1] == 'x' || rest[1] == 'u') && rest[2] == '{') {
      const auto close = rest.find('}', 3);
      if (close == std::string_view::npos) return false;
      digits_begin = 3, digits_end = close, consumed = close + 1;
    } else if (rest.size() >= 4 && rest[1] == 'x' && std::isxdigit(rest[2]) &&
               std::isxdigit(rest[3])) {
      digits_begin = 2, digits_end = 4, consumed = 4;
    } else if (rest.size() >= 6 && rest[1] == 'u' && std::isxdigit(rest[2]) &&
               std::isxdigit(rest[3]) && std::isxdigit(rest[4]) && std::isxdigit(rest[5])) {
      digits_begin = 2, digits_end = 6, consumed = 6;
    } else if (rest.size() >= 3 && rest[1] == 'c' && std::isalpha(rest[2])) {
      *pcre2 = std::string(rest.substr(0, 3));
      *ascii_letter = false;
      *value = 0;
      i_ += 3;
      return true;
    } else {
      return false;
    }
    const std::string digits(rest.substr(digits_begin, digits_end - digits_begin));
    if (digits.empty() || digits.size() > 8 ||
        digits.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      return false;
    }
    *value = static_cast<char32_t>(std::stoul(digits, nullptr, 16));
    *pcre2 = "\\x{" + digits + "}";
    *ascii_letter = is_ascii_letter(*value);
    i_ += consumed;
    return true;
  }

  // `\p{...}` / `\P{...}` at i_: the property name, the negation, and the consumed length.
  bool property_escape(std::string* name, bool* negated) {
    const std::string_view rest = in_.substr(i_);
    if (rest.size() < 4 || (rest[1] != 'p' && rest[1] != 'P') || rest[2] != '{') return false;
    const auto close = rest.find('}', 3);
    if (close == std::string_view::npos) return false;
    *name = std::string(rest.substr(3, close - 3));
    *negated = rest[1] == 'P';
    if (!name->empty() && (*name)[0] == '^') {
      *negated = !*negated;
      name->erase(0, 1);
    }
    i_ += close + 1;
    return true;
  }

  void step() {
    std::size_t length = 0;
    const char32_t c = peek(i_, &length);
    switch (c) {
      case '\\':
        escape();
        return;
      case '[': {
        emit_atom(character_class());
        return;
      }
      case ']':
        emit_atom("\\]");
        ++i_;
        return;
      case '.':
        emit_atom("[^\\n]");
        ++i_;
        return;
      case '^':
        emit_atom("(?:\\A|(?<=\\n))");
        ++i_;
        return;
      case '$':
        emit_atom("(?:(?=\\n)|\\z)");
        ++i_;
        return;
      case '(':
        group_open();
        return;
      case ')':
        out_ += ')';
        if (!groups_.empty()) {
          atom_start_ = groups_.back().first;
          ascii_fold_ = groups_.back().second;
          groups_.pop_back();
        } else {
          atom_start_ = std::string::npos;
        }
        last_was_quantifier_ = false;
        ++i_;
        return;
      case '|':
        out_ += '|';
        atom_start_ = std::string::npos;
        last_was_quantifier_ = false;
        ++i_;
        return;
      case '{':
        brace_quantifier();
        return;
      case '}':
        emit_atom("\\}");
        ++i_;
        return;
      case '+':
        ++i_;
        if (last_was_quantifier_) return;  // possessive: Tokenizers.js treats it as greedy
        out_ += '+';
        last_was_quantifier_ = true;
        return;
      case '*':
      case '?':
        out_ += static_cast<char>(c);
        last_was_quantifier_ = true;
        ++i_;
        return;
      default:
        emit_atom(ascii_fold_ && is_ascii_letter(c) ? folded_letter(c)
                                                    : std::string(in_.substr(i_, length)));
        i_ += length;
        return;
    }
  }

  void group_open() {
    const std::string_view rest = in_.substr(i_);
    std::string prefix = "(";
    std::string output = "(";
    bool fold = ascii_fold_;
    if (rest.substr(0, 4) == "(?i:") {
      prefix = "(?i:", output = "(?:", fold = true;
    } else if (rest.substr(0, 3) == "(?>") {
      prefix = "(?>", output = "(?:";
    } else if (rest.substr(0, 4) == "(?<=" || rest.substr(0, 4) == "(?<!") {
      prefix = output = std::string(rest.substr(0, 4));
    } else if (rest.substr(0, 3) == "(?:" || rest.substr(0, 3) == "(?=" ||
               rest.substr(0, 3) == "(?!") {
      prefix = output = std::string(rest.substr(0, 3));
    } else if (rest.substr(0, 3) == "(?<") {
      const auto close = rest.find('>');
      if (close == std::string_view::npos) unsupported("an unterminated group name");
      prefix = output = std::string(rest.substr(0, close + 1));
    } else if (rest.substr(0, 2) == "(?") {
      unsupported("an inline option group other than (?i:...)");
    }
    groups_.emplace_back(out_.size(), ascii_fold_);
    ascii_fold_ = fold;
    out_ += output;
    last_was_quantifier_ = false;
    i_ += prefix.size();
  }

  void brace_quantifier() {
    // {n}, {n,}, {n,m}, {,m}; anything else is a literal brace.
    std::size_t k = i_ + 1;
    std::string first, second;
    bool comma = false;
    while (k < in_.size() && std::isdigit(static_cast<unsigned char>(in_[k]))) first += in_[k++];
    if (k < in_.size() && in_[k] == ',') {
      comma = true;
      ++k;
      while (k < in_.size() && std::isdigit(static_cast<unsigned char>(in_[k]))) second += in_[k++];
    }
    const bool valid = k < in_.size() && in_[k] == '}' && (!first.empty() || !second.empty());
    if (!valid || atom_start_ == std::string::npos) {
      emit_atom("\\{");
      ++i_;
      return;
    }
    const std::string body = (first.empty() ? "0" : first) + (comma ? "," + second : "");
    i_ = k + 1;
    if (i_ < in_.size() && (in_[i_] == '+' || in_[i_] == '*')) {
      // Oniguruma reads X{n}+ as (?:X{n})+, not as a possessive quantifier.
      out_ = out_.substr(0, atom_start_) + "(?:" + out_.substr(atom_start_) + "{" + body + "})" +
             in_[i_];
      ++i_;
    } else {
      out_ += "{" + body + "}";
    }
    last_was_quantifier_ = true;
  }

  void escape() {
    if (i_ + 1 >= in_.size()) {
      out_ += "\\\\";
      ++i_;
      return;
    }
    std::string pcre2;
    bool ascii_letter = false;
    char32_t value = 0;
    if (code_point_escape(&pcre2, &ascii_letter, &value)) {
      emit_atom(ascii_fold_ && ascii_letter ? folded_letter(value) : pcre2);
      return;
    }
    std::string name;
    bool negated = false;
    if (property_escape(&name, &negated)) {
      if (name == "Word") {
        emit_atom(word_class(negated));
      } else {
        emit_atom(std::string(negated ? "\\P{" : "\\p{") + name + "}");
      }
      return;
    }
    std::size_t length = 0;
    const char32_t next = peek(i_ + 1, &length);
    const std::string next_text(in_.substr(i_ + 1, length));
    i_ += 1 + length;
    switch (next) {
      case 'G':
        return;  // Tokenizers.js drops \G
      case 'A':
        emit_atom("\\A");
        return;
      case 'z':
        emit_atom("\\z");
        return;
      case 'Z':
        emit_atom("(?=\\n?\\z)");
        return;
      case 'h':
        emit_atom(std::string("[") + kHexDigits + "]");
        return;
      case 'H':
        emit_atom(std::string("[^") + kHexDigits + "]");
        return;
      case 'w':
        emit_atom(word_class(false));
        return;
      case 'W':
        emit_atom(word_class(true));
        return;
      case 'd':
        emit_atom("\\p{Nd}");
        return;
      case 'D':
        emit_atom("\\P{Nd}");
        return;
      case 's':
        emit_atom("\\p{White_Space}");
        return;
      case 'S':
        emit_atom("\\P{White_Space}");
        return;
      case 'b':
        emit_atom(word_boundary(false));
        return;
      case 'B':
        emit_atom(word_boundary(true));
        return;
      case 'a':
        emit_atom("\\x07");
        return;
      case 'e':
        emit_atom("\\x1B");
        return;
      case 'v':
        emit_atom("\\x0B");
        return;  // PCRE2's \v is a class; Oniguruma's is VT
      case 'n':
      case 'r':
      case 't':
      case 'f':
        emit_atom("\\" + next_text);
        return;
      default:
        if (next < 0x80 && std::isalnum(static_cast<int>(next))) {
          emit_atom("\\" + next_text);  // back-references and other escapes PCRE2 shares
        } else if (next < 0x80) {
          emit_atom("\\" + next_text);  // an escaped ASCII symbol is that symbol
        } else {
          emit_atom(next_text);
        }
        return;
    }
  }

  // Parses the class starting at i_ ('[') and returns its PCRE2 form.
  std::string character_class() {
    const std::size_t start = i_;
    ++i_;
    const bool negated = i_ < in_.size() && in_[i_] == '^';
    if (negated) ++i_;
    const std::size_t first_content = i_;
    std::string fragment;
    while (true) {
      if (i_ >= in_.size()) {
        i_ = start;
        unsupported("an unterminated character class");
      }
      std::size_t length = 0;
      const char32_t c = peek(i_, &length);
      if (c == ']' && i_ != first_content) {
        ++i_;
        break;
      }
      if (c == ']') {
        fragment += "\\]";
        ++i_;
        continue;
      }
      if (c == '&' && in_.substr(i_, 2) == "&&") unsupported("a character-class intersection (&&)");
      if (c == '[') {
        const std::string_view rest = in_.substr(i_);
        if (rest.substr(0, 2) == "[:") {
          const auto close = rest.find(":]");
          if (close != std::string_view::npos) {
            std::string name(rest.substr(2, close - 2));
            if (!name.empty() && name[0] == '^') unsupported("a negated POSIX class");
            const char* posix = posix_fragment(name);
            if (posix == nullptr) unsupported("the POSIX class [:" + name + ":]");
            fragment += posix;
            i_ += close + 2;
            continue;
          }
        }
        unsupported("a nested character class");
      }
      if (c == '\\') {
        fragment += class_escape();
        continue;
      }
      if (c == '^') {
        fragment += "\\^";
      } else {
        fragment += std::string(in_.substr(i_, length));
      }
      i_ += length;
    }
    if (ascii_fold_) fragment += ascii_fold_additions(fragment);
    return std::string(negated ? "[^" : "[") + fragment + "]";
  }

  std::string class_escape() {
    if (i_ + 1 >= in_.size()) unsupported("an unterminated escape in a character class");
    std::string pcre2;
    bool ascii_letter = false;
    char32_t value = 0;
    if (code_point_escape(&pcre2, &ascii_letter, &value)) return pcre2;
    std::string name;
    bool negated = false;
    if (property_escape(&name, &negated)) {
      if (name == "Word") {
        if (negated) unsupported("\\P{Word} inside a character class");
        return kWordCharsInClass;
      }
      return std::string(negated ? "\\P{" : "\\p{") + name + "}";
    }
    std::size_t length = 0;
    const char32_t next = peek(i_ + 1, &length);
    const std::string next_text(in_.substr(i_ + 1, length));
    i_ += 1 + length;
    switch (next) {
      case 'h':
        return kHexDigits;
      case 'w':
        return kWordCharsInClass;
      case 'd':
        return "\\p{Nd}";
      case 'D':
        return "\\P{Nd}";
      case 's':
        return "\\p{White_Space}";
      case 'S':
        return "\\P{White_Space}";
      case 'a':
        return "\\x07";
      case 'e':
        return "\\x1B";
      case 'v':
        return "\\x0B";
      case 'W':
      case 'H':
        unsupported("\\" + next_text + " inside a character class");
      case 'n':
      case 'r':
      case 't':
      case 'f':
        return "\\" + next_text;
      default:
        if (next < 0x80) return "\\" + next_text;
        return next_text;
    }
  }

  // Inside (?i:...), Tokenizers.js adds the other case of every ASCII letter the class holds.
  std::string ascii_fold_additions(const std::string& fragment) const {
    const Regex membership("^[" + fragment + "]$", source_);
    std::string additions;
    std::vector<ByteRange> matches;
    for (char offset = 0; offset < 26; ++offset) {
      const std::string upper(1, static_cast<char>('A' + offset));
      const std::string lower(1, static_cast<char>('a' + offset));
      membership.find_all(upper, matches);
      const bool has_upper = !matches.empty();
      membership.find_all(lower, matches);
      const bool has_lower = !matches.empty();
      if (has_upper != has_lower) additions += has_upper ? lower : upper;
    }
    return additions;
  }

  std::string_view in_;
  const std::string& source_;
  std::size_t i_ = 0;
  std::string out_;
  std::size_t atom_start_ = std::string::npos;
  bool last_was_quantifier_ = false;
  bool ascii_fold_ = false;
  std::vector<std::pair<std::size_t, bool>> groups_;
};

}  // namespace

std::string translate_oniguruma(std::string_view pattern, const std::string& source) {
  return Translator(pattern, source).run();
}

}  // namespace sentlens::hf
