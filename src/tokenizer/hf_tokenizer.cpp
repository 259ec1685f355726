// The tokenizer.json pipeline (Tokenizers.js's encode_text, with spans).
#include "tokenizer/hf_tokenizer.h"

#include <algorithm>
#include <unordered_map>

#include "sentlens/tokenizer/utf8.h"
#include "util/check.h"

namespace sentlens::hf {

namespace {

// Tokenizers.js / transformers' clean_up_tokenization, in its order.
std::string clean_up_tokenization(std::string text) {
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) {
    const std::string_view pattern(from);
    std::string out;
    std::size_t previous = 0, found = 0;
    while ((found = text.find(pattern, previous)) != std::string::npos) {
      out.append(text, previous, found - previous);
      out += to;
      previous = found + pattern.size();
    }
    if (previous == 0) continue;
    out.append(text, previous, std::string::npos);
    text = std::move(out);
  }
  return text;
}

class HfTokenizer final : public Tokenizer {
 public:
  HfTokenizer(TokenizerParts parts, const TokenizerConfig& config)
      : parts_(std::move(parts)), clean_up_(config.clean_up_tokenization_spaces) {
    std::vector<const AddedToken*> raw, normalized;
    for (const AddedToken& token : parts_.added_tokens) {
      by_content_[token.content] = &token;
      if (token.normalized && parts_.normalizer) {
        // Normalized tokens are looked for in normalized text, spelled as the normalizer spells
        // them (Tokenizers.js normalizes their content once).
        NormalizedString content =
            NormalizedString::from_original(token.content, 0, token.content.size());
        parts_.normalizer->normalize(content);
        normalized_contents_.push_back(std::make_unique<AddedToken>(token));
        normalized_contents_.back()->content = content.text;
        normalized.push_back(normalized_contents_.back().get());
        by_content_[content.text] = &token;
      } else {
        raw.push_back(&token);
      }
    }
    raw_matcher_ = std::make_unique<AddedTokenMatcher>(raw);
    normalized_matcher_ = std::make_unique<AddedTokenMatcher>(normalized);
    if (config.eos_token) {
      const auto id = parts_.model->token_to_id(*config.eos_token);
      if (id >= 0) eos_ = id;
    }
  }

  Encoding encode(std::string_view text, const EncodeOptions& options) const override {
    check_encode_size(text.size());
    const auto invalid = find_invalid_utf8(text);
    SENTLENS_CHECK(invalid < 0, InputError,
                   "text is not valid UTF-8 (invalid byte 0x{:02X} at byte offset {})",
                   invalid < 0 ? 0 : static_cast<unsigned char>(text[invalid]), invalid);
    std::vector<Token> tokens;
    if (options.add_special_tokens) {
      for (auto id : parts_.special_template.before) tokens.push_back(special(id, 0));
    }
    const auto first_text_token = tokens.size();
    encode_text(text, tokens);

    const auto char_of_byte = byte_to_char_offsets(text);
    for (std::size_t i = first_text_token; i < tokens.size(); ++i) {
      tokens[i].char_start = char_of_byte[tokens[i].byte_start];
      tokens[i].char_end = char_of_byte[tokens[i].byte_end];
    }
    if (options.add_special_tokens) {
      for (auto id : parts_.special_template.after) {
        Token token = special(id, static_cast<std::int64_t>(text.size()));
        token.char_start = token.char_end = char_of_byte[text.size()];
        tokens.push_back(std::move(token));
      }
    }
    Encoding encoding;
    encoding.tokens = std::move(tokens);
    return encoding;
  }

  std::string decode(const std::vector<std::int64_t>& ids) const override {
    std::vector<std::string> pieces;
    pieces.reserve(ids.size());
    for (auto id : ids) pieces.push_back(id_to_piece(id));
    std::string text;
    if (parts_.decoder) {
      parts_.decoder->decode_chain(pieces);
      for (const auto& piece : pieces) text += piece;
    } else {
      for (std::size_t i = 0; i < pieces.size(); ++i) text += (i > 0 ? " " : "") + pieces[i];
    }
    const std::string& suffix = parts_.model->options().end_of_word_suffix;
    if (!suffix.empty()) {
      std::string out;
      std::size_t previous = 0, found = 0;
      while ((found = text.find(suffix, previous)) != std::string::npos) {
        out.append(text, previous, found - previous);
        out += ' ';
        previous = found + suffix.size();
      }
      out.append(text, previous, std::string::npos);
      text = std::move(out);
    }
    return clean_up_ ? clean_up_tokenization(std::move(text)) : text;
  }

  std::int64_t vocab_size() const override {
    return static_cast<std::int64_t>(parts_.model->id_count());
  }

  std::string id_to_piece(std::int64_t id) const override {
    SENTLENS_CHECK(id >= 0 && id < vocab_size() &&
                       !parts_.model->id_to_token(static_cast<std::int32_t>(id)).empty(),
                   InputError, "token id {} is outside the vocabulary of {} ({} ids)", id,
                   parts_.source, vocab_size());
    return parts_.model->id_to_token(static_cast<std::int32_t>(id));
  }

  std::optional<std::int64_t> bos_id() const override {
    if (parts_.special_template.before.empty()) return std::nullopt;
    return parts_.special_template.before.front();
  }
  std::optional<std::int64_t> eos_id() const override { return eos_; }
  std::string kind() const override { return parts_.kind; }
  std::string fingerprint() const override { return parts_.fingerprint; }

 private:
  Token special(std::int64_t id, std::int64_t byte) const {
    Token token;
    token.id = id;
    token.piece = parts_.model->id_to_token(static_cast<std::int32_t>(id));
    token.byte_start = token.byte_end = byte;
    token.special = true;
    return token;
  }

  void emit(std::vector<Token>& tokens, std::int32_t id, Span span) const {
    Token token;
    token.id = id;
    token.piece = parts_.model->id_to_token(id);
    token.byte_start = span.start;
    token.byte_end = span.end;
    tokens.push_back(std::move(token));
  }

  const AddedToken* added_by_content(std::string_view text) const {
    if (by_content_.empty()) return nullptr;
    const auto found = by_content_.find(std::string(text));
    return found == by_content_.end() ? nullptr : found->second;
  }

  void encode_text(std::string_view text, std::vector<Token>& tokens) const {
    const std::vector<Section> sections = raw_matcher_->split(text);
    std::vector<ModelToken> model_tokens;
    for (std::size_t index = 0; index < sections.size(); ++index) {
      const Section& section = sections[index];
      if (section.begin == section.end) continue;
      if (section.token != nullptr) {
        emit(tokens, section.token->id,
             Span{static_cast<std::uint32_t>(section.begin),
                  static_cast<std::uint32_t>(section.end)});
        continue;
      }
      const std::string_view raw = text.substr(section.begin, section.end - section.begin);
      if (const AddedToken* token = added_by_content(raw)) {
        // Tokenizers.js takes a whole section spelled like an added token as that token.
        emit(tokens, token->id,
             Span{static_cast<std::uint32_t>(section.begin),
                  static_cast<std::uint32_t>(section.end)});
        continue;
      }
      NormalizedString normalized =
          NormalizedString::from_original(text, section.begin, section.end);
      if (parts_.normalizer) parts_.normalizer->normalize(normalized);
      if (normalized.empty()) continue;
      for (const Section& sub : normalized_matcher_->split(normalized.text)) {
        if (sub.begin == sub.end) continue;
        const std::string_view sub_text =
            std::string_view(normalized.text).substr(sub.begin, sub.end - sub.begin);
        const AddedToken* token = sub.token != nullptr ? sub.token : added_by_content(sub_text);
        if (token != nullptr) {
          // Matched in normalized text: report the original token (and its id).
          const AddedToken* original = added_by_content(token->content);
          emit(tokens, original != nullptr ? original->id : token->id,
               normalized.span_of(sub.begin, sub.end));
          continue;
        }
        PreTokenized pieces{normalized.slice(sub.begin, sub.end), {}};
        pieces.pieces.emplace_back(0, pieces.string.text.size());
        if (parts_.pre_tokenizer) parts_.pre_tokenizer->pre_tokenize(pieces, index);
        for (const auto& [begin, end] : pieces.pieces) {
          model_tokens.clear();
          parts_.model->tokenize(std::string_view(pieces.string.text).substr(begin, end - begin),
                                 model_tokens);
          for (const ModelToken& model_token : model_tokens) {
            emit(tokens, model_token.id,
                 pieces.string.span_of(begin + model_token.begin, begin + model_token.end));
          }
        }
      }
    }
  }

  TokenizerParts parts_;
  bool clean_up_ = true;
  std::optional<std::int64_t> eos_;
  std::unordered_map<std::string, const AddedToken*> by_content_;
  std::vector<std::unique_ptr<AddedToken>> normalized_contents_;
  std::unique_ptr<AddedTokenMatcher> raw_matcher_;
  std::unique_ptr<AddedTokenMatcher> normalized_matcher_;
};

}  // namespace

void apply_tokenizer_config(TokenizerParts& parts, const TokenizerConfig& config) {
  auto adjust = [&](const std::optional<bool>& add, const std::optional<std::string>& name,
                    std::vector<std::int32_t>& place, bool at_front) {
    if (!add || !name) return;
    const std::int32_t id = parts.model->token_to_id(*name);
    if (id < 0) return;
    const bool present = std::find(place.begin(), place.end(), id) != place.end();
    if (*add && !present) {
      place.insert(at_front ? place.begin() : place.end(), id);
    } else if (!*add && present) {
      place.erase(std::remove(place.begin(), place.end(), id), place.end());
    }
  };
  adjust(config.add_bos_token, config.bos_token, parts.special_template.before, true);
  adjust(config.add_eos_token, config.eos_token, parts.special_template.after, false);
}

std::unique_ptr<Tokenizer> make_tokenizer(TokenizerParts parts, const TokenizerConfig& config) {
  apply_tokenizer_config(parts, config);
  return std::make_unique<HfTokenizer>(std::move(parts), config);
}

}  // namespace sentlens::hf
