// The sentencepiece backend (`tokenizer.model`, through libsentencepiece), with each token's span
// in the original text.
#include "io/json_file.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "sentlens/tokenizer/utf8.h"
#include "tokenizer/sentencepiece_library.h"
#include "util/check.h"
#include "util/hash.h"

#include <tuple>

namespace sentlens {

std::vector<std::int64_t> Encoding::ids() const {
  std::vector<std::int64_t> result;
  result.reserve(tokens.size());
  for (const auto& token : tokens) result.push_back(token.id);
  return result;
}

namespace {

// Whether to add BOS, from tokenizer_config.json beside the model (Llama tokenizers default to
// true; an explicit "add_bos_token" wins).
bool read_add_bos(const std::filesystem::path& model_file) {
  const auto config_path = model_file.parent_path() / "tokenizer_config.json";
  if (!std::filesystem::exists(config_path)) return true;
  const auto config = read_json_file(config_path);
  if (config.is_object() && config.contains("add_bos_token") && config["add_bos_token"].is_boolean()) {
    return config["add_bos_token"].get<bool>();
  }
  return true;
}

class SentencePieceTokenizer final : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(const std::filesystem::path& model_file) : path_(model_file) {
    const std::string bytes = read_file_bytes(model_file, 1ull << 30);
    char error[512] = {};
    handle_ = library_.load(bytes.data(), bytes.size(), error, sizeof error);
    SENTLENS_CHECK(handle_ != nullptr, FormatError, "{}: not a sentencepiece model ({})",
                   model_file.string(), error);
    fingerprint_ = fnv1a_hex(bytes);
    add_bos_ = read_add_bos(model_file);
    vocab_size_ = library_.piece_size(handle_);
    bos_ = library_.special_id(handle_, 0);
    eos_ = library_.special_id(handle_, 1);
  }
  ~SentencePieceTokenizer() override { library_.free(handle_); }
  SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
  SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;

  Encoding encode(std::string_view text, const EncodeOptions& options) const override {
    const auto invalid = find_invalid_utf8(text);
    SENTLENS_CHECK(invalid < 0, InputError, "text is not valid UTF-8 (invalid byte at offset {})",
                   invalid);
    const auto char_of_byte = byte_to_char_offsets(text);
    Encoding encoding;
    if (options.add_special_tokens && add_bos_ && bos_ >= 0) {
      encoding.tokens.push_back(special_token(bos_, 0, 0));
    }
    struct Pieces {
      std::vector<std::tuple<int, unsigned, unsigned>> items;
    } pieces;
    library_.encode(
        handle_, text.data(), text.size(),
        [](void* context, int id, unsigned begin, unsigned end) {
          static_cast<Pieces*>(context)->items.emplace_back(id, begin, end);
        },
        &pieces);
    for (const auto& [id, begin, end] : pieces.items) {
      Token token;
      token.id = id;
      token.piece = id_to_piece(id);
      token.byte_start = std::min<std::int64_t>(begin, text.size());
      token.byte_end = std::min<std::int64_t>(std::max(begin, end), text.size());
      token.char_start = char_of_byte[token.byte_start];
      token.char_end = char_of_byte[token.byte_end];
      encoding.tokens.push_back(std::move(token));
    }
    share_split_character_spans(encoding);
    return encoding;
  }

  std::string decode(const std::vector<std::int64_t>& ids) const override {
    std::vector<int> pieces;
    pieces.reserve(ids.size());
    for (auto id : ids) {
      check_id(id);
      pieces.push_back(static_cast<int>(id));
    }
    std::string text;
    char error[512] = {};
    const int failed = library_.decode(handle_, pieces.data(), pieces.size(), append_text, &text,
                                       error, sizeof error);
    SENTLENS_CHECK(failed == 0, InputError, "{}: cannot decode ids: {}", path_.string(), error);
    return text;
  }

  std::int64_t vocab_size() const override { return vocab_size_; }

  std::string id_to_piece(std::int64_t id) const override {
    check_id(id);
    std::string piece;
    library_.id_to_piece(handle_, static_cast<int>(id), append_text, &piece);
    return piece;
  }

  std::optional<std::int64_t> bos_id() const override {
    if (!add_bos_ || bos_ < 0) return std::nullopt;
    return bos_;
  }
  std::optional<std::int64_t> eos_id() const override {
    if (eos_ < 0) return std::nullopt;
    return eos_;
  }
  std::string kind() const override { return "sentencepiece"; }
  std::string fingerprint() const override { return fingerprint_; }

 private:
  void check_id(std::int64_t id) const {
    SENTLENS_CHECK(id >= 0 && id < vocab_size(), InputError,
                   "token id {} is outside the vocabulary of {} ({})", id, vocab_size(),
                   path_.string());
  }

  Token special_token(std::int64_t id, std::int64_t byte, std::int64_t character) const {
    Token token;
    token.id = id;
    token.piece = id_to_piece(id);
    token.byte_start = token.byte_end = byte;
    token.char_start = token.char_end = character;
    token.special = true;
    return token;
  }

  // Byte-fallback pieces of one character: sentencepiece gives the character's span to the first
  // and an empty span to the rest. All of them stand for that character, so all share its span.
  void share_split_character_spans(Encoding& encoding) const {
    for (std::size_t i = 1; i < encoding.tokens.size(); ++i) {
      Token& token = encoding.tokens[i];
      const Token& previous = encoding.tokens[i - 1];
      if (token.special || previous.special) continue;
      if (token.byte_start == token.byte_end && library_.is_byte(handle_, static_cast<int>(token.id)) &&
          library_.is_byte(handle_, static_cast<int>(previous.id)) &&
          token.byte_start == previous.byte_end) {
        token.byte_start = previous.byte_start;
        token.byte_end = previous.byte_end;
        token.char_start = previous.char_start;
        token.char_end = previous.char_end;
      }
    }
  }

  static void append_text(void* context, const char* text, std::size_t size) {
    static_cast<std::string*>(context)->append(text, size);
  }

  const SentencePieceLibrary& library_ = SentencePieceLibrary::get();
  std::filesystem::path path_;
  void* handle_ = nullptr;
  std::int64_t vocab_size_ = 0;
  std::int64_t bos_ = -1;
  std::int64_t eos_ = -1;
  std::string fingerprint_;
  bool add_bos_ = true;
};

}  // namespace

std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const std::filesystem::path& model_file) {
  return std::make_unique<SentencePieceTokenizer>(model_file);
}

}  // namespace sentlens
