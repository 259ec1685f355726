// The sentencepiece backend (`tokenizer.model`, through libsentencepiece), with each token's span
// in the original text.
#include "io/json_file.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "sentlens/tokenizer/utf8.h"
#include "sentlens/util/memory.h"
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

void check_encode_size(std::size_t bytes) {
  SENTLENS_CHECK(bytes <= kMaxEncodeBytes, LimitError,
                 "text of {} bytes is too long to tokenize at once (at most {} bytes)", bytes,
                 kMaxEncodeBytes);
  // Measured: encoding holds ~100 bytes of memory per input byte at its peak (pieces, spans and
  // the backends' own structures), so the size limit alone admits tens of GB.
  constexpr double kBytesPerInputByte = 128;
  check_fits_in_memory(kBytesPerInputByte * static_cast<double>(bytes),
                       fmt::format("tokenizing a text of {} bytes (about {} bytes of memory per "
                                   "input byte)",
                                   bytes, kBytesPerInputByte));
}

namespace {

// Whether to add BOS, from tokenizer_config.json beside the model (Llama tokenizers default to
// true; an explicit "add_bos_token" wins).
bool read_add_bos(const std::filesystem::path& model_file) {
  const auto config_path = model_file.parent_path() / "tokenizer_config.json";
  if (!std::filesystem::exists(config_path)) return true;
  const auto config = read_json_file(config_path);
  if (config.is_object() && config.contains("add_bos_token") &&
      config["add_bos_token"].is_boolean()) {
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
    check_encode_size(text.size());
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
    share_split_character_spans(text, encoding);
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

  // Byte-fallback pieces: sentencepiece gives a whole run's span to its last piece and empty
  // spans to the others. Each byte piece stands for one byte of the text, so when the run covers
  // exactly as many bytes as it has pieces, every piece gets the span of the character holding its
  // byte (pieces that split one character share its span); otherwise all share the run's span.
  void share_split_character_spans(std::string_view text, Encoding& encoding) const {
    auto& tokens = encoding.tokens;
    auto is_byte_piece = [&](const Token& token) {
      return !token.special && library_.is_byte(handle_, static_cast<int>(token.id)) != 0;
    };
    const auto char_of_byte = byte_to_char_offsets(text);
    std::size_t i = 0;
    while (i < tokens.size()) {
      if (!is_byte_piece(tokens[i])) {
        ++i;
        continue;
      }
      std::size_t end = i;
      std::int64_t run_start = tokens[i].byte_start, run_end = tokens[i].byte_end;
      while (end < tokens.size() && is_byte_piece(tokens[end])) {
        run_start = std::min(run_start, tokens[end].byte_start);
        run_end = std::max(run_end, tokens[end].byte_end);
        ++end;
      }
      const bool one_byte_each = run_end - run_start == static_cast<std::int64_t>(end - i);
      for (std::size_t k = i; k < end; ++k) {
        Token& token = tokens[k];
        if (one_byte_each) {
          auto first = run_start + static_cast<std::int64_t>(k - i);
          while (first > 0 && (static_cast<unsigned char>(text[first]) & 0xC0) == 0x80) --first;
          auto last = first + 1;
          while (last < static_cast<std::int64_t>(text.size()) &&
                 (static_cast<unsigned char>(text[last]) & 0xC0) == 0x80) {
            ++last;
          }
          token.byte_start = first;
          token.byte_end = last;
        } else {
          token.byte_start = run_start;
          token.byte_end = run_end;
        }
        token.char_start = char_of_byte[token.byte_start];
        token.char_end = char_of_byte[token.byte_end];
      }
      i = end;
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
