// Sentence embeddings given as a file: a JSON map from exact sentence text to vector, so that
// embeddings computed elsewhere (the original uses sentence-transformers all-MiniLM-L6-v2) give the
// original's results.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sentlens {

class SentenceEmbeddings {
 public:
  /// Reads `{"dim": D, "embeddings": {text: [D numbers]}}` or a plain `{text: [D numbers]}`.
  /// Vectors are rounded to float32, as `SentenceTransformer.encode` returns them. Throws
  /// IoError / FormatError naming the file and the entry (wrong dimension, non-numbers, empty).
  static SentenceEmbeddings read(const std::filesystem::path& path);

  /// Builds from vectors in memory (all of one dimension); `source` names them in messages.
  SentenceEmbeddings(std::string source, std::int64_t dimension,
                     std::unordered_map<std::string, std::vector<float>> vectors);

  /// The vector of `text`; throws InputError naming the source, `context` (where the sentence
  /// comes from) and the sentence when it has none.
  const std::vector<float>& at(std::string_view text, std::string_view context) const;
  bool contains(std::string_view text) const;

  /// The same sentences with the mean of all their vectors subtracted (float64 mean), so that a
  /// cosine measures how two sentences differ from the set's common direction. Hidden states of a
  /// decoder share one dominant direction (anisotropy, Ethayarajh 2019), which puts every pair of
  /// sentences above a fixed threshold such as 0.8; centring removes it (the "common mean vector"
  /// step of Mu & Viswanath 2018). A set of one sentence centres to a zero vector, whose cosine is
  /// NaN, which compares false both ways (importance then counts the pair as similar and never as
  /// a step match, as the original treats a NaN). The source gains " centred on N sentences".
  SentenceEmbeddings centred() const;

  std::int64_t dimension() const { return dimension_; }
  std::size_t size() const { return vectors_.size(); }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::int64_t dimension_ = 0;
  std::unordered_map<std::string, std::vector<float>> vectors_;
};

}  // namespace sentlens
