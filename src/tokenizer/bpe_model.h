// Private: the BPE model of tokenizer.json and of GPT-2's vocab.json + merges.txt: merges by rank
// (leftmost first on ties), byte fallback, unknown token, ignore_merges, subword prefix/suffix.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sentlens::hf {

/// One token the model produced for a piece: its id and the bytes [begin, end) of the piece it
/// stands for (byte-fallback tokens of one character all cover that character).
struct ModelToken {
  std::int32_t id = 0;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

struct BpeOptions {
  std::optional<std::string> unk_token;   // "unk_token"; null: unknown characters vanish
  std::string continuing_subword_prefix;  // "continuing_subword_prefix"; "" = none
  std::string end_of_word_suffix;         // "end_of_word_suffix"; "" = none
  bool fuse_unk = false;                  // "fuse_unk": consecutive unknowns -> one
  bool byte_fallback = false;             // "byte_fallback": unknown chars -> <0xXX>
  bool ignore_merges = false;             // "ignore_merges": whole piece in vocab wins
};

class BpeModel {
 public:
  /// `merges` are pairs of vocabulary entries in rank order; `where` names the source in errors
  /// (FormatError for a merge naming a token outside the vocabulary).
  BpeModel(std::unordered_map<std::string, std::int32_t> vocab,
           const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options,
           const std::string& where);

  /// Encodes one piece, appending to `out`.
  void tokenize(std::string_view piece, std::vector<ModelToken>& out) const;

  /// The id of a vocabulary entry, or -1.
  std::int32_t token_to_id(const std::string& token) const;
  /// Largest id + 1.
  std::size_t id_count() const { return id_to_token_.size(); }
  /// The entry of an id ("" for ids the vocabulary skips).
  const std::string& id_to_token(std::int32_t id) const { return id_to_token_[id]; }
  const BpeOptions& options() const { return options_; }

  /// Registers an added token's id and content (they share the id space with the vocabulary).
  void add_token(const std::string& content, std::int32_t id);

 private:
  struct MergeTarget {
    std::int32_t rank;
    std::int32_t new_id;
  };
  static std::uint64_t pair_key(std::int32_t left, std::int32_t right) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
           static_cast<std::uint32_t>(right);
  }
  void merge_word(std::string_view piece, std::vector<ModelToken>& out) const;

  std::unordered_map<std::string, std::int32_t> vocab_;
  std::vector<std::string> id_to_token_;
  std::unordered_map<std::uint64_t, MergeTarget> merges_;
  BpeOptions options_;
  std::int32_t unk_id_ = -1;
  std::int32_t byte_ids_[256];

  // Pieces repeat a lot in real text (words, spaces); their tokens are cached.
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<ModelToken>> cache_;
};

}  // namespace sentlens::hf
