// The decoders of tokenizer.json, following Tokenizers.js.
#include "tokenizer/decoders.h"

#include "tokenizer/js_text.h"
#include "tokenizer/pre_tokenizers.h"
#include "util/check.h"

namespace sentlens::hf {

namespace {

constexpr const char* kSupported =
    "ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, BPEDecoder, Sequence";

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps)
      : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& step : steps_) step->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

class ByteLevelDecoder final : public Decoder {
 public:
  explicit ByteLevelDecoder(std::unordered_set<std::string> added) : added_(std::move(added)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    // Runs of ordinary tokens are mapped back to bytes and decoded together (so a character split
    // across tokens comes back whole); added tokens pass through as they are spelled.
    std::vector<std::string> out;
    std::string bytes;
    bool have_run = false;
    auto flush = [&] {
      if (have_run) out.push_back(decode_utf8_lossy(bytes));
      bytes.clear();
      have_run = false;
    };
    for (const auto& token : tokens) {
      if (added_.count(token) != 0) {
        flush();
        out.push_back(token);
        continue;
      }
      have_run = true;
      std::size_t i = 0;
      while (i < token.size()) {
        std::size_t length = 0;
        const int byte = byte_level_byte(decode_code_point(token, i, &length));
        if (byte >= 0) {
          bytes.push_back(static_cast<char>(byte));
        } else {
          bytes.append(token, i, length);  // not a byte-level character: keep its UTF-8
        }
        i += length;
      }
    }
    flush();
    tokens = std::move(out);
  }

 private:
  std::unordered_set<std::string> added_;
};

class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool strip_first)
      : replacement_(std::move(replacement)), strip_first_(strip_first) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string text;
      const std::string& token = tokens[i];
      std::size_t k = 0;
      while (k < token.size()) {
        if (token.compare(k, replacement_.size(), replacement_) == 0) {
          text.push_back(' ');
          k += replacement_.size();
        } else {
          text.push_back(token[k++]);
        }
      }
      if (i == 0 && strip_first_ && !text.empty() && text[0] == ' ') text.erase(0, 1);
      tokens[i] = std::move(text);
    }
  }

 private:
  std::string replacement_;
  bool strip_first_;
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(std::shared_ptr<const Regex> pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<ByteRange> matches;
    for (auto& token : tokens) {
      pattern_->find_all(token, matches);
      if (matches.empty()) continue;
      std::string text;
      std::size_t previous = 0;
      for (const auto& [begin, end] : matches) {
        text.append(token, previous, begin - previous);
        text += content_;
        previous = end;
      }
      text.append(token, previous, std::string::npos);
      token = std::move(text);
    }
  }

 private:
  std::shared_ptr<const Regex> pattern_;
  std::string content_;
};

// "<0xAB>" -> 0xAB, else -1 (Tokenizers.js: six characters, "<0x" ... ">", hex in between).
int byte_token_value(const std::string& token) {
  if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>') return -1;
  int value = 0;
  for (int k = 3; k < 5; ++k) {
    const char c = token[k];
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (digit < 0) return k == 3 ? -1 : value;  // parseInt stops at the first non-hex digit
    value = value * 16 + digit;
  }
  return value;
}

class ByteFallbackDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string bytes;
    for (auto& token : tokens) {
      const int value = byte_token_value(token);
      if (value >= 0) {
        bytes.push_back(static_cast<char>(value));
        continue;
      }
      if (!bytes.empty()) {
        out.push_back(decode_utf8_lossy(bytes));
        bytes.clear();
      }
      out.push_back(std::move(token));
    }
    if (!bytes.empty()) out.push_back(decode_utf8_lossy(bytes));
    tokens = std::move(out);
  }
};

class FuseDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const auto& token : tokens) all += token;
    tokens.assign(1, std::move(all));
  }
};

class StripDecoder final : public Decoder {
 public:
  StripDecoder(std::string content, std::int64_t start, std::int64_t stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    if (content_.empty()) return;
    for (auto& token : tokens) {
      std::size_t begin = 0;
      for (std::int64_t i = 0; i < start_ && token.compare(begin, content_.size(), content_) == 0;
           ++i) {
        begin += content_.size();
      }
      std::size_t end = token.size();
      for (std::int64_t i = 0; i < stop_ && end >= begin + content_.size() &&
                               token.compare(end - content_.size(), content_.size(), content_) == 0;
           ++i) {
        end -= content_.size();
      }
      token = token.substr(begin, end - begin);
    }
  }

 private:
  std::string content_;
  std::int64_t start_, stop_;
};

class BpeDecoder final : public Decoder {
 public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    if (suffix_.empty()) return;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const std::string with = i + 1 == tokens.size() ? "" : " ";
      std::string text;
      std::size_t k = 0;
      while (k < tokens[i].size()) {
        if (tokens[i].compare(k, suffix_.size(), suffix_) == 0) {
          text += with;
          k += suffix_.size();
        } else {
          text.push_back(tokens[i][k++]);
        }
      }
      tokens[i] = std::move(text);
    }
  }

 private:
  std::string suffix_;
};

}  // namespace

std::unique_ptr<Decoder> make_byte_level_decoder(
    const std::unordered_set<std::string>& added_tokens) {
  return std::make_unique<ByteLevelDecoder>(added_tokens);
}

std::unique_ptr<Decoder> make_decoder(const Json& config, const std::string& where,
                                      const std::unordered_set<std::string>& added_tokens) {
  if (config.is_null()) return nullptr;
  const std::string type = component_type(config, where);
  if (type == "Sequence") {
    const Json& items = require_array(config, "decoders", where);
    std::vector<std::unique_ptr<Decoder>> steps;
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto step =
          make_decoder(items[i], child_path(child_path(where, "decoders"), i), added_tokens);
      if (step) steps.push_back(std::move(step));
    }
    return std::make_unique<SequenceDecoder>(std::move(steps));
  }
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>(added_tokens);
  if (type == "Metaspace") {
    const auto scheme = optional_string(config, "prepend_scheme", where).value_or("always");
    const bool legacy_prefix = optional_bool(config, "add_prefix_space", true, where);
    return std::make_unique<MetaspaceDecoder>(
        optional_string(config, "replacement", where).value_or("\u2581"),
        scheme != "never" && legacy_prefix);
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceDecoder>(
        make_pattern(require_field(config, "pattern", where), child_path(where, "pattern")),
        optional_string(config, "content", where).value_or(""));
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    return std::make_unique<StripDecoder>(optional_string(config, "content", where).value_or(""),
                                          optional_int(config, "start", 0, where),
                                          optional_int(config, "stop", 0, where));
  }
  if (type == "BPEDecoder") {
    return std::make_unique<BpeDecoder>(optional_string(config, "suffix", where).value_or("</w>"));
  }
  throw_unsupported_type(where, "decoder", type, kSupported);
}

}  // namespace sentlens::hf
