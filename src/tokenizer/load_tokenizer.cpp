// Choosing the tokenizer of a checkpoint folder, or of a file named directly.
#include "sentlens/tokenizer/tokenizer.h"
#include "util/check.h"

namespace sentlens {

std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path) {
  if (std::filesystem::is_directory(path)) {
    // tokenizer.json first (what most checkpoints ship), then sentencepiece, then GPT-2's pair.
    const auto tokenizer_json = path / "tokenizer.json";
    if (std::filesystem::exists(tokenizer_json)) return load_tokenizer_json(tokenizer_json);
    const auto sentencepiece_model = path / "tokenizer.model";
    if (std::filesystem::exists(sentencepiece_model)) {
      return load_sentencepiece_tokenizer(sentencepiece_model);
    }
    const auto vocab = path / "vocab.json", merges = path / "merges.txt";
    if (std::filesystem::exists(vocab) && std::filesystem::exists(merges)) {
      return load_gpt2_vocab_merges(vocab, merges);
    }
    throw IoError(fmt::format(
        "{}: no tokenizer found (expected tokenizer.json, tokenizer.model or vocab.json + "
        "merges.txt)",
        path.string()));
  }
  SENTLENS_CHECK(std::filesystem::exists(path), IoError, "{}: tokenizer file not found",
                 path.string());
  if (path.extension() == ".model") return load_sentencepiece_tokenizer(path);
  if (path.extension() == ".json" && path.filename() != "vocab.json") {
    return load_tokenizer_json(path);
  }
  if (path.filename() == "vocab.json" || path.filename() == "merges.txt") {
    const auto folder = path.parent_path();
    return load_gpt2_vocab_merges(folder / "vocab.json", folder / "merges.txt");
  }
  throw InputError(fmt::format(
      "{}: unknown tokenizer file type (expected tokenizer.json, tokenizer.model, vocab.json or "
      "merges.txt)",
      path.string()));
}

}  // namespace sentlens
