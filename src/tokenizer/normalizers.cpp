// The normalizers of tokenizer.json, with the semantics of Tokenizers.js.
#include "tokenizer/normalizers.h"

#include <vector>

#include "util/check.h"

namespace sentlens::hf {

namespace {

class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps)
      : steps_(std::move(steps)) {}
  void normalize(NormalizedString& text) const override {
    for (const auto& step : steps_) step->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

class PrependNormalizer final : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  // Tokenizers.js prepends unconditionally (sections are never empty here).
  void normalize(NormalizedString& text) const override { text.prepend(prefix_); }

 private:
  std::string prefix_;
};

class ReplaceNormalizer final : public Normalizer {
 public:
  ReplaceNormalizer(std::shared_ptr<const Regex> pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(NormalizedString& text) const override {
    std::vector<ByteRange> matches;
    pattern_->find_all(text.text, matches);
    text.replace(matches, content_);
  }

 private:
  std::shared_ptr<const Regex> pattern_;
  std::string content_;
};

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(NormalForm form) : form_(form) {}
  void normalize(NormalizedString& text) const override { text.apply_normal_form(form_); }

 private:
  NormalForm form_;
};

class LowercaseNormalizer final : public Normalizer {
 public:
  void normalize(NormalizedString& text) const override { text.lowercase(); }
};

class StripNormalizer final : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  void normalize(NormalizedString& text) const override { text.strip(left_, right_); }

 private:
  bool left_, right_;
};

class StripAccentsNormalizer final : public Normalizer {
 public:
  void normalize(NormalizedString& text) const override { text.remove_marks(); }
};

constexpr const char* kSupported =
    "Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents";

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const Json& config, const std::string& where) {
  if (config.is_null()) return nullptr;
  const std::string type = component_type(config, where);
  if (type == "Sequence") {
    const Json& items = require_array(config, "normalizers", where);
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto step = make_normalizer(items[i], child_path(child_path(where, "normalizers"), i));
      if (step) steps.push_back(std::move(step));
    }
    return std::make_unique<SequenceNormalizer>(std::move(steps));
  }
  if (type == "Prepend") {
    return std::make_unique<PrependNormalizer>(require_string(config, "prepend", where));
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceNormalizer>(
        make_pattern(require_field(config, "pattern", where), child_path(where, "pattern")),
        optional_string(config, "content", where).value_or(""));
  }
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(NormalForm::kNfc);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(NormalForm::kNfd);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(NormalForm::kNfkc);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(NormalForm::kNfkd);
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "Strip") {
    return std::make_unique<StripNormalizer>(optional_bool(config, "strip_left", false, where),
                                             optional_bool(config, "strip_right", false, where));
  }
  if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
  throw_unsupported_type(where, "normalizer", type, kSupported);
}

}  // namespace sentlens::hf
