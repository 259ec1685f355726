// The BPE model: merges applied by rank, ties to the leftmost pair (as the tokenizers crate and
// Tokenizers.js both do), over a linked list of symbols with a heap of candidate merges.
#include "tokenizer/bpe_model.h"

#include <queue>

#include "tokenizer/js_text.h"
#include "util/check.h"

namespace sentlens::hf {

namespace {
constexpr std::size_t kMaxCachedPieceBytes = 256;
constexpr std::size_t kMaxCacheEntries = 1 << 18;
constexpr std::int64_t kMaxVocabularyId = 1 << 26;
}  // namespace

BpeModel::BpeModel(std::unordered_map<std::string, std::int32_t> vocab,
                   const std::vector<std::pair<std::string, std::string>>& merges,
                   BpeOptions options, const std::string& where)
    : vocab_(std::move(vocab)), options_(std::move(options)) {
  std::int32_t max_id = -1;
  for (const auto& [token, id] : vocab_) {
    SENTLENS_CHECK(id >= 0 && id < kMaxVocabularyId, FormatError,
                   "{}.vocab: token '{}' has id {}, outside [0, {})", where, token, id,
                   kMaxVocabularyId);
    max_id = std::max(max_id, id);
  }
  id_to_token_.resize(static_cast<std::size_t>(max_id + 1));
  for (const auto& [token, id] : vocab_) id_to_token_[id] = token;

  const std::size_t prefix_length = options_.continuing_subword_prefix.size();
  merges_.reserve(merges.size());
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    const auto left_id = vocab_.find(left);
    const auto right_id = vocab_.find(right);
    const std::string shown = left + " " + right;
    SENTLENS_CHECK(left_id != vocab_.end(), FormatError,
                   "{}.merges[{}]: merge '{}' names '{}', which is not in the vocabulary", where,
                   rank, shown, left);
    SENTLENS_CHECK(right_id != vocab_.end(), FormatError,
                   "{}.merges[{}]: merge '{}' names '{}', which is not in the vocabulary", where,
                   rank, shown, right);
    // With a continuing-subword prefix, the right part's prefix is dropped when merging.
    const std::string_view right_tail =
        prefix_length > 0 &&
                right.compare(0, prefix_length, options_.continuing_subword_prefix) == 0
            ? std::string_view(right).substr(prefix_length)
            : std::string_view(right);
    const std::string merged = left + std::string(right_tail);
    const auto merged_id = vocab_.find(merged);
    SENTLENS_CHECK(merged_id != vocab_.end(), FormatError,
                   "{}.merges[{}]: merge '{}' makes '{}', which is not in the vocabulary", where,
                   rank, shown, merged);
    // A repeated pair keeps its last rank, as both reference implementations do.
    merges_[pair_key(left_id->second, right_id->second)] =
        MergeTarget{static_cast<std::int32_t>(rank), merged_id->second};
  }

  if (options_.unk_token) {
    const auto found = vocab_.find(*options_.unk_token);
    if (found != vocab_.end()) unk_id_ = found->second;
  }
  for (int b = 0; b < 256; ++b) {
    const auto found = vocab_.find(fmt::format("<0x{:02X}>", b));
    byte_ids_[b] = found == vocab_.end() ? -1 : found->second;
  }
}

void BpeModel::add_token(const std::string& content, std::int32_t id) {
  SENTLENS_CHECK(id >= 0 && id < kMaxVocabularyId, FormatError,
                 "added token '{}' has id {}, outside [0, {})", content, id, kMaxVocabularyId);
  if (static_cast<std::size_t>(id) >= id_to_token_.size()) id_to_token_.resize(id + 1);
  id_to_token_[id] = content;
  vocab_[content] = id;
}

std::int32_t BpeModel::token_to_id(const std::string& token) const {
  const auto found = vocab_.find(token);
  return found == vocab_.end() ? -1 : found->second;
}

void BpeModel::tokenize(std::string_view piece, std::vector<ModelToken>& out) const {
  if (piece.empty()) return;
  std::string key(piece);
  if (options_.ignore_merges) {
    const auto found = vocab_.find(key);
    if (found != vocab_.end()) {
      out.push_back({found->second, 0, static_cast<std::uint32_t>(piece.size())});
      return;
    }
  }
  const bool cacheable = piece.size() < kMaxCachedPieceBytes;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    const auto found = cache_.find(key);
    if (found != cache_.end()) {
      out.insert(out.end(), found->second.begin(), found->second.end());
      return;
    }
  }
  const std::size_t first = out.size();
  merge_word(piece, out);
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();
    cache_.emplace(
        std::move(key),
        std::vector<ModelToken>(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()));
  }
}

void BpeModel::merge_word(std::string_view piece, std::vector<ModelToken>& out) const {
  struct Symbol {
    std::int32_t id;  // -1: a character outside the vocabulary
    std::uint32_t begin, end;
    std::int32_t prev, next;
  };
  std::vector<Symbol> symbols;
  std::string lookup;
  std::size_t i = 0;
  while (i < piece.size()) {
    std::size_t length = 0;
    decode_code_point(piece, i, &length);
    const bool first = i == 0, last = i + length >= piece.size();
    lookup.clear();
    if (!first) lookup += options_.continuing_subword_prefix;
    lookup.append(piece.substr(i, length));
    if (last) lookup += options_.end_of_word_suffix;
    const auto found = vocab_.find(lookup);
    const auto index = static_cast<std::int32_t>(symbols.size());
    symbols.push_back({found == vocab_.end() ? -1 : found->second, static_cast<std::uint32_t>(i),
                       static_cast<std::uint32_t>(i + length), index - 1, index + 1});
    i += length;
  }
  symbols.back().next = -1;

  struct Candidate {
    std::int32_t rank;
    std::int32_t pos;  // index of the left symbol
    std::int32_t left_id, right_id, new_id;
    bool operator>(const Candidate& other) const {
      return rank != other.rank ? rank > other.rank : pos > other.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
  auto consider = [&](std::int32_t left) {
    const std::int32_t right = symbols[left].next;
    if (right < 0 || symbols[left].id < 0 || symbols[right].id < 0) return;
    const auto found = merges_.find(pair_key(symbols[left].id, symbols[right].id));
    if (found == merges_.end()) return;
    queue.push(
        {found->second.rank, left, symbols[left].id, symbols[right].id, found->second.new_id});
  };
  for (std::int32_t s = 0; s + 1 < static_cast<std::int32_t>(symbols.size()); ++s) consider(s);
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.pos];
    // Stale candidates: the left symbol was merged away or changed, or its neighbour did.
    if (left.id != top.left_id || left.next < 0) continue;
    Symbol& right = symbols[left.next];
    if (right.id != top.right_id) continue;
    left.id = top.new_id;
    left.end = right.end;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.pos;
    right.id = -2;  // dead
    right.next = -1;
    if (left.prev >= 0) consider(left.prev);
    consider(top.pos);
  }

  std::size_t unknown_run_start = out.size();
  bool previous_unknown = false;
  for (std::int32_t s = 0; s >= 0; s = symbols[s].next) {
    const Symbol& symbol = symbols[s];
    if (symbol.id >= 0) {
      out.push_back({symbol.id, symbol.begin, symbol.end});
      previous_unknown = false;
      continue;
    }
    if (options_.byte_fallback) {
      bool all_bytes = true;
      for (std::uint32_t b = symbol.begin; b < symbol.end; ++b) {
        all_bytes = all_bytes && byte_ids_[static_cast<unsigned char>(piece[b])] >= 0;
      }
      if (all_bytes) {
        for (std::uint32_t b = symbol.begin; b < symbol.end; ++b) {
          out.push_back(
              {byte_ids_[static_cast<unsigned char>(piece[b])], symbol.begin, symbol.end});
        }
        previous_unknown = false;
        continue;
      }
    }
    if (unk_id_ < 0) continue;  // no unknown token: the character is dropped, as upstream does
    if (options_.fuse_unk && previous_unknown) {
      out[unknown_run_start].end = symbol.end;
      continue;
    }
    unknown_run_start = out.size();
    out.push_back({unk_id_, symbol.begin, symbol.end});
    previous_unknown = true;
  }
}

}  // namespace sentlens::hf
