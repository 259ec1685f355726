// The Tokenizer interface: text to ids with each token's exact span in the original text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sentlens {

/// One token of an encoding. Spans are half-open ranges of the original text, both in UTF-8 bytes
/// and in Unicode code points (Python string indices). A special token added by the tokenizer
/// (BOS, template tokens) has an empty span at the position it was inserted.
struct Token {
  std::int64_t id = 0;
  std::string piece;            // the vocabulary entry, as the tokenizer spells it
  std::int64_t byte_start = 0;  // [byte_start, byte_end) in the UTF-8 text
  std::int64_t byte_end = 0;
  std::int64_t char_start = 0;  // [char_start, char_end) in code points
  std::int64_t char_end = 0;
  bool special = false;  // added by the tokenizer rather than read from the text
};

/// The result of encoding a text.
struct Encoding {
  std::vector<Token> tokens;

  std::vector<std::int64_t> ids() const;
  std::size_t size() const { return tokens.size(); }
};

/// The longest text Tokenizer::encode accepts: 256 MiB. Encoding needs about 100 bytes per token
/// (the piece, both spans) and up to one token per byte, and no supported model reads more than a
/// few MiB of text; the bound also keeps every span inside the 32-bit offsets of sentencepiece.
inline constexpr std::size_t kMaxEncodeBytes = std::size_t{256} << 20;

/// Throws LimitError "text of N bytes is too long to tokenize at once (at most 268435456 bytes)"
/// when `bytes` exceeds kMaxEncodeBytes. Every backend calls it first in encode, before reading
/// the text or allocating anything for it.
void check_encode_size(std::size_t bytes);

/// Options of Tokenizer::encode.
struct EncodeOptions {
  bool add_special_tokens = true;  // BOS (and template tokens) as the checkpoint's config says
};

/// A tokenizer loaded from a checkpoint's files. Implementations: sentencepiece (`tokenizer.model`)
/// and Hugging Face `tokenizer.json`.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  /// Encodes UTF-8 text; throws InputError for invalid UTF-8 and LimitError for a text over
  /// kMaxEncodeBytes.
  virtual Encoding encode(std::string_view text, const EncodeOptions& options = {}) const = 0;
  /// Decodes ids back to text; throws InputError naming an id outside the vocabulary.
  virtual std::string decode(const std::vector<std::int64_t>& ids) const = 0;
  /// Number of ids (the largest id + 1).
  virtual std::int64_t vocab_size() const = 0;
  /// The vocabulary entry of an id; throws InputError when out of range.
  virtual std::string id_to_piece(std::int64_t id) const = 0;
  /// The BOS id when the tokenizer adds one, else nullopt.
  virtual std::optional<std::int64_t> bos_id() const = 0;
  /// The EOS id when known.
  virtual std::optional<std::int64_t> eos_id() const = 0;
  /// A short name of the backend ("sentencepiece", "tokenizer.json", ...).
  virtual std::string kind() const = 0;
  /// A content hash of the files the tokenizer was loaded from (hex), to tie traces to tokenizers.
  virtual std::string fingerprint() const = 0;
};

/// Loads the tokenizer of a checkpoint folder (tokenizer.json first, then tokenizer.model, then
/// vocab.json + merges.txt), or the tokenizer file `path` names directly. BOS handling comes from
/// `tokenizer_config.json` / `config.json` beside the file when present.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path);

/// Loads a sentencepiece `tokenizer.model` (BOS per `tokenizer_config.json` in the same folder,
/// default: add BOS).
std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const std::filesystem::path& model_file);

/// Loads a Hugging Face `tokenizer.json` (BPE model: byte-level as GPT-2/Llama 3/Qwen, or
/// sentencepiece-style with byte fallback as Llama 2), with `tokenizer_config.json` from the same
/// folder when present (add_bos_token/add_eos_token, clean_up_tokenization_spaces). Ids match
/// Hugging Face's Tokenizers.js; docs/tokenizers.md lists the supported components.
std::unique_ptr<Tokenizer> load_tokenizer_json(const std::filesystem::path& tokenizer_json);

/// Loads GPT-2's legacy pair `vocab.json` + `merges.txt` (byte-level BPE with GPT-2's regex),
/// with `tokenizer_config.json` beside `vocab_json` when present.
std::unique_ptr<Tokenizer> load_gpt2_vocab_merges(const std::filesystem::path& vocab_json,
                                                  const std::filesystem::path& merges_txt);

}  // namespace sentlens
