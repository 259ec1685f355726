// Private: the tokenizer.json pipeline behind the Tokenizer interface. Added tokens are split out
// of the raw text, each other section is normalized, split at normalized added tokens,
// pre-tokenized and encoded by the BPE model; the post-processor adds special tokens. Every token
// keeps the span of the original text it came from.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sentlens/tokenizer/tokenizer.h"
#include "tokenizer/added_vocabulary.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/decoders.h"
#include "tokenizer/normalizers.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/pre_tokenizers.h"
#include "tokenizer/tokenizer_config.h"

namespace sentlens::hf {

/// Everything a tokenizer.json (or vocab.json + merges.txt) describes.
struct TokenizerParts {
  std::unique_ptr<BpeModel> model;
  std::vector<AddedToken> added_tokens;
  std::unique_ptr<Normalizer> normalizer;       // may be null
  std::unique_ptr<PreTokenizer> pre_tokenizer;  // may be null
  SpecialTemplate special_template;
  std::unique_ptr<Decoder> decoder;  // may be null (tokens joined with spaces, as Tokenizers.js)
  std::string kind;                  // Tokenizer::kind()
  std::string source;                // the file(s), for messages
  std::string fingerprint;
};

/// Applies tokenizer_config.json: BOS/EOS per add_bos_token/add_eos_token (as transformers'
/// Llama tokenizers rebuild their template), and the decode clean-up flag.
void apply_tokenizer_config(TokenizerParts& parts, const TokenizerConfig& config);

/// Builds the Tokenizer.
std::unique_ptr<Tokenizer> make_tokenizer(TokenizerParts parts, const TokenizerConfig& config);

}  // namespace sentlens::hf
