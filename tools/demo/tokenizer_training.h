// Training the demo model's sentencepiece tokenizer with libsentencepiece's trainer (reached
// through sentlens' private sentencepiece module).
#pragma once

#include <cstdint>
#include <filesystem>

namespace sentlens::demo {

struct TokenizerOptions {
  std::int64_t vocab_size = 256;  // upper bound (the trainer may stop below it)
  int threads = 2;
};

/// Trains a BPE model on `corpus_txt` (one text per line) and writes `model_dir`/
/// tokenizer.model and tokenizer_config.json: ids 0 <unk>, 1 <s> (BOS, added), 2 </s> (EOS),
/// 3 "<think>"; digits are split so every number is tokenised digit by digit. Returns the
/// vocabulary size.
std::int64_t train_tokenizer(const std::filesystem::path& corpus_txt,
                             const std::filesystem::path& model_dir,
                             const TokenizerOptions& options);

}  // namespace sentlens::demo
