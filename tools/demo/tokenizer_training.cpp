// Tokenizer training for the demo model.
#include "demo/tokenizer_training.h"

#include <fstream>

#include <fmt/format.h>

#include "sentlens/error.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "tokenizer/sentencepiece_library.h"

namespace sentlens::demo {

namespace {

constexpr const char* kTokenizerConfig = R"({
  "add_bos_token": true,
  "add_eos_token": false,
  "bos_token": "<s>",
  "eos_token": "</s>",
  "unk_token": "<unk>",
  "pad_token": null,
  "clean_up_tokenization_spaces": false,
  "legacy": true,
  "model_max_length": 256,
  "tokenizer_class": "LlamaTokenizer"
}
)";

}  // namespace

std::int64_t train_tokenizer(const std::filesystem::path& corpus_txt,
                             const std::filesystem::path& model_dir,
                             const TokenizerOptions& options) {
  std::filesystem::create_directories(model_dir);
  const std::filesystem::path prefix = model_dir / "tokenizer.train";
  // All input lines are used (no sampling, so no shuffling): the result depends only on the corpus.
  const std::string arguments = fmt::format(
      "--input={} --model_prefix={} --model_type=bpe --vocab_size={} --hard_vocab_limit=false "
      "--character_coverage=1.0 --split_digits=true --normalization_rule_name=identity "
      "--unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1 --user_defined_symbols=<think> "
      "--input_sentence_size=100000000 --num_threads={} --minloglevel=3",
      corpus_txt.string(), prefix.string(), options.vocab_size, options.threads);
  const SentencePieceLibrary& library = SentencePieceLibrary::get();
  char error[1024] = {0};
  if (library.train(arguments.c_str(), error, sizeof(error)) != 0) {
    throw Error(fmt::format("sentencepiece training failed: {}", error));
  }
  std::filesystem::rename(prefix.string() + ".model", model_dir / "tokenizer.model");
  std::filesystem::remove(prefix.string() + ".vocab");
  {
    std::ofstream out(model_dir / "tokenizer_config.json", std::ios::trunc);
    out << kTokenizerConfig;
  }
  const auto tokenizer = load_tokenizer(model_dir / "tokenizer.model");
  return tokenizer->vocab_size();
}

}  // namespace sentlens::demo
