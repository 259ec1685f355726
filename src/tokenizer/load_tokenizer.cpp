// Choosing the tokenizer of a checkpoint folder, or of a file named directly.
#include "sentlens/tokenizer/tokenizer.h"
#include "util/check.h"

namespace sentlens {

std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path) {
  if (std::filesystem::is_directory(path)) {
    // tokenizer.json is preferred once its backend lands (see docs/tokenizers.md).
    const auto sentencepiece_model = path / "tokenizer.model";
    if (std::filesystem::exists(sentencepiece_model)) {
      return load_sentencepiece_tokenizer(sentencepiece_model);
    }
    throw IoError(fmt::format("{}: no tokenizer found (expected tokenizer.model)", path.string()));
  }
  SENTLENS_CHECK(std::filesystem::exists(path), IoError, "{}: tokenizer file not found",
                 path.string());
  if (path.extension() == ".model") return load_sentencepiece_tokenizer(path);
  throw InputError(
      fmt::format("{}: unknown tokenizer file type (expected tokenizer.model)", path.string()));
}

}  // namespace sentlens
