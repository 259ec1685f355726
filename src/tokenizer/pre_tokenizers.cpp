// The pre-tokenizers of tokenizer.json. Tokenizers.js is the reference where it implements a
// feature; where it does not (Split behaviours other than Isolated/Removed, `invert`, Metaspace's
// `split`) the Hugging Face `tokenizers` crate is (docs/tokenizers.md lists these cases).
#include "tokenizer/pre_tokenizers.h"

#include <array>

#include "tokenizer/js_text.h"
#include "util/check.h"

namespace sentlens::hf {

namespace {

// Appends pieces of rewritten text to a new PreTokenized.
class PieceBuilder {
 public:
  explicit PieceBuilder(std::uint32_t anchor) { out_.string.anchor = anchor; }
  void append(std::string_view bytes, Span span) {
    out_.string.text.append(bytes);
    out_.string.align.insert(out_.string.align.end(), bytes.size(), span);
  }
  void append_from(const NormalizedString& source, std::size_t begin, std::size_t end) {
    out_.string.text.append(source.text, begin, end - begin);
    out_.string.align.insert(out_.string.align.end(),
                             source.align.begin() + static_cast<std::ptrdiff_t>(begin),
                             source.align.begin() + static_cast<std::ptrdiff_t>(end));
  }
  std::size_t size() const { return out_.string.text.size(); }
  void close_piece(std::size_t begin) {
    if (size() > begin) out_.pieces.emplace_back(begin, size());
  }
  PreTokenized take() { return std::move(out_); }

 private:
  PreTokenized out_;
};

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Cuts every piece at the matches of `pattern` (run on the piece alone, as Tokenizers.js does)
// following `behavior` (the tokenizers crate's definitions).
void split_pieces(PreTokenized& text, const Regex& pattern, SplitBehavior behavior, bool invert) {
  std::vector<ByteRange> result;
  std::vector<ByteRange> matches;
  struct Segment {
    std::size_t begin, end;
    bool is_match;
  };
  std::vector<Segment> segments;
  for (const auto& [piece_begin, piece_end] : text.pieces) {
    const std::string_view piece =
        std::string_view(text.string.text).substr(piece_begin, piece_end - piece_begin);
    pattern.find_all(piece, matches);
    segments.clear();
    std::size_t previous = 0;
    for (const auto& [begin, end] : matches) {
      if (begin == end) continue;
      if (begin > previous) segments.push_back({previous, begin, invert});
      segments.push_back({begin, end, !invert});
      previous = end;
    }
    if (previous < piece.size()) segments.push_back({previous, piece.size(), invert});

    std::vector<Segment> merged;
    bool previous_match = false;
    switch (behavior) {
      case SplitBehavior::kRemoved:
        for (const auto& s : segments) {
          if (!s.is_match) merged.push_back(s);
        }
        break;
      case SplitBehavior::kIsolated:
        merged = segments;
        break;
      case SplitBehavior::kMergedWithPrevious:
        for (const auto& s : segments) {
          if (s.is_match && !previous_match && !merged.empty()) {
            merged.back().end = s.end;
          } else {
            merged.push_back(s);
          }
          previous_match = s.is_match;
        }
        break;
      case SplitBehavior::kMergedWithNext:
        for (std::size_t k = segments.size(); k-- > 0;) {
          const auto& s = segments[k];
          if (s.is_match && !previous_match && !merged.empty()) {
            merged.back().begin = s.begin;
          } else {
            merged.push_back(s);
          }
          previous_match = s.is_match;
        }
        std::reverse(merged.begin(), merged.end());
        break;
      case SplitBehavior::kContiguous:
        for (std::size_t k = 0; k < segments.size(); ++k) {
          const auto& s = segments[k];
          if (k > 0 && s.is_match == previous_match) {
            merged.back().end = s.end;
          } else {
            merged.push_back(s);
          }
          previous_match = s.is_match;
        }
        break;
    }
    for (const auto& s : merged) {
      if (s.end > s.begin) result.emplace_back(piece_begin + s.begin, piece_begin + s.end);
    }
  }
  text.pieces = std::move(result);
}

class SequencePreTokenizer final : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps)
      : steps_(std::move(steps)) {}
  void pre_tokenize(PreTokenized& text, std::size_t section_index) const override {
    for (const auto& step : steps_) step->pre_tokenize(text, section_index);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

class SplitPreTokenizer final : public PreTokenizer {
 public:
  SplitPreTokenizer(std::shared_ptr<const Regex> pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(PreTokenized& text, std::size_t) const override {
    split_pieces(text, *pattern_, behavior_, invert_);
  }

 private:
  std::shared_ptr<const Regex> pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

const std::array<std::string, 256>& byte_level_table() {
  static const std::array<std::string, 256> table = [] {
    std::array<std::string, 256> chars;
    // GPT-2: printable Latin-1 bytes stand for themselves, the others for U+0100 + n in order.
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      std::string utf8;
      append_utf8(utf8, printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++));
      chars[b] = utf8;
    }
    return chars;
  }();
  return table;
}

// GPT-2's pre-tokenization regex as Tokenizers.js compiles it: a JavaScript regex whose \s is
// JavaScript's whitespace (Zs, tab, VT, FF, LF, CR, U+2028, U+2029, U+FEFF).
const char* kJsSpace = R"([\t\n\x0B\f\r\p{Zs}\x{2028}\x{2029}\x{FEFF}])";

std::string gpt2_pattern() {
  const std::string s = kJsSpace;
  const std::string not_s = std::string("[^") + (kJsSpace + 1);
  return "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\t\\n\\x0B\\f\\r\\p{Zs}\\x{2028}"
         "\\x{2029}\\x{FEFF}\\p{L}\\p{N}]+|" +
         s + "+(?!" + not_s + ")|" + s + "+";
}

class ByteLevelPreTokenizer final : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space),
        regex_(use_regex ? std::make_shared<Regex>(gpt2_pattern(), "ByteLevel pre-tokenizer")
                         : nullptr) {}

  void pre_tokenize(PreTokenized& text, std::size_t) const override {
    if (add_prefix_space_) {
      // Tokenizers.js adds the space to every piece that does not start with one.
      PieceBuilder builder(text.string.anchor);
      for (const auto& [begin, end] : text.pieces) {
        const std::size_t start = builder.size();
        if (text.string.text[begin] != ' ') {
          const Span at = text.string.span_of(begin, begin);
          builder.append(" ", Span{at.start, at.start});
        }
        builder.append_from(text.string, begin, end);
        builder.close_piece(start);
      }
      text = builder.take();
    }
    if (regex_) split_pieces(text, *regex_, SplitBehavior::kIsolated, false);
    // Every byte becomes its byte-level character, aligned where the byte was.
    const auto& table = byte_level_table();
    PieceBuilder builder(text.string.anchor);
    for (const auto& [begin, end] : text.pieces) {
      const std::size_t start = builder.size();
      for (std::size_t i = begin; i < end; ++i) {
        builder.append(table[static_cast<unsigned char>(text.string.text[i])],
                       text.string.align[i]);
      }
      builder.close_piece(start);
    }
    text = builder.take();
  }

 private:
  bool add_prefix_space_;
  std::shared_ptr<const Regex> regex_;
};

enum class PrependScheme { kAlways, kNever, kFirst };

class MetaspacePreTokenizer final : public PreTokenizer {
 public:
  MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)),
        scheme_(scheme),
        split_(split ? std::make_shared<Regex>(escape_literal(replacement_), "Metaspace")
                     : nullptr) {}

  void pre_tokenize(PreTokenized& text, std::size_t section_index) const override {
    PieceBuilder builder(text.string.anchor);
    for (std::size_t p = 0; p < text.pieces.size(); ++p) {
      const auto [begin, end] = text.pieces[p];
      const std::size_t start = builder.size();
      const std::string_view piece = std::string_view(text.string.text).substr(begin, end - begin);
      const bool starts_replaced =
          piece.substr(0, 1) == " " || piece.substr(0, replacement_.size()) == replacement_;
      const bool prepend = scheme_ == PrependScheme::kAlways ||
                           (scheme_ == PrependScheme::kFirst && section_index == 0 && p == 0);
      if (prepend && !starts_replaced) {
        const Span at = text.string.span_of(begin, begin);
        builder.append(replacement_, Span{at.start, at.start});
      }
      for (std::size_t i = begin; i < end; ++i) {
        if (text.string.text[i] == ' ') {
          builder.append(replacement_, text.string.align[i]);
        } else {
          builder.append_from(text.string, i, i + 1);
        }
      }
      builder.close_piece(start);
    }
    text = builder.take();
    if (split_) split_pieces(text, *split_, SplitBehavior::kMergedWithNext, false);
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
  std::shared_ptr<const Regex> split_;
};

class RegexPreTokenizer final : public PreTokenizer {
 public:
  RegexPreTokenizer(const std::string& pattern, SplitBehavior behavior, bool invert,
                    const std::string& source)
      : regex_(std::make_shared<Regex>(pattern, source)), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(PreTokenized& text, std::size_t) const override {
    split_pieces(text, *regex_, behavior_, invert_);
  }

 private:
  std::shared_ptr<const Regex> regex_;
  SplitBehavior behavior_;
  bool invert_;
};

SplitBehavior parse_behavior(const std::string& name, const std::string& where) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  throw ConfigError(fmt::format(
      "{}: unsupported split behavior '{}' (supported: Removed, Isolated, MergedWithPrevious, "
      "MergedWithNext, Contiguous)",
      where, name));
}

constexpr const char* kSupported =
    "ByteLevel, Split, Metaspace, Digits, Whitespace, WhitespaceSplit, Sequence";

}  // namespace

const std::string& byte_level_char(unsigned char b) {
  return byte_level_table()[b];
}

int byte_level_byte(char32_t c) {
  static const std::array<int, 324> reverse = [] {
    std::array<int, 324> table;
    table.fill(-1);
    for (int b = 0; b < 256; ++b) {
      std::size_t length = 0;
      table[decode_code_point(byte_level_table()[b], 0, &length)] = b;
    }
    return table;
  }();
  return c < reverse.size() ? reverse[c] : -1;
}

std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex) {
  return std::make_unique<ByteLevelPreTokenizer>(add_prefix_space, use_regex);
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& config, const std::string& where) {
  if (config.is_null()) return nullptr;
  const std::string type = component_type(config, where);
  if (type == "Sequence") {
    const Json& items = require_array(config, "pretokenizers", where);
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto step = make_pre_tokenizer(items[i], child_path(child_path(where, "pretokenizers"), i));
      if (step) steps.push_back(std::move(step));
    }
    return std::make_unique<SequencePreTokenizer>(std::move(steps));
  }
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(
        optional_bool(config, "add_prefix_space", false, where),
        optional_bool(config, "use_regex", true, where));
  }
  if (type == "Split") {
    const auto behavior = optional_string(config, "behavior", where).value_or("Isolated");
    return std::make_unique<SplitPreTokenizer>(
        make_pattern(require_field(config, "pattern", where), child_path(where, "pattern")),
        parse_behavior(behavior, child_path(where, "behavior")),
        optional_bool(config, "invert", false, where));
  }
  if (type == "Metaspace") {
    const std::string replacement =
        optional_string(config, "replacement", where).value_or("\u2581");
    SENTLENS_CHECK(!replacement.empty(), FormatError, "{}: 'replacement' must not be empty", where);
    PrependScheme scheme = PrependScheme::kAlways;
    if (auto name = optional_string(config, "prepend_scheme", where)) {
      if (*name == "always") {
        scheme = PrependScheme::kAlways;
      } else if (*name == "never") {
        scheme = PrependScheme::kNever;
      } else if (*name == "first") {
        scheme = PrependScheme::kFirst;
      } else {
        throw ConfigError(fmt::format(
            "{}: unsupported prepend_scheme '{}' (supported: always, never, first)", where, *name));
      }
    } else if (!optional_bool(config, "add_prefix_space", true, where)) {
      scheme = PrependScheme::kNever;  // the format before prepend_scheme existed
    }
    return std::make_unique<MetaspacePreTokenizer>(replacement, scheme,
                                                   optional_bool(config, "split", true, where));
  }
  if (type == "Digits") {
    const bool individual = optional_bool(config, "individual_digits", false, where);
    return std::make_unique<RegexPreTokenizer>(individual ? "\\p{N}" : "\\p{N}+",
                                               SplitBehavior::kIsolated, false, where);
  }
  if (type == "Whitespace") {
    return std::make_unique<RegexPreTokenizer>(translate_oniguruma("\\w+|[^\\w\\s]+", where),
                                               SplitBehavior::kRemoved, true, where);
  }
  if (type == "WhitespaceSplit") {
    return std::make_unique<RegexPreTokenizer>("\\p{White_Space}+", SplitBehavior::kRemoved, false,
                                               where);
  }
  throw_unsupported_type(where, "pre_tokenizer", type, kSupported);
}

}  // namespace sentlens::hf
