// Token rhythm and sinks from attention dumped elsewhere: an [L, H, T, T] map (the layout of
// `sentlens forward --attention`, or of `torch.stack(out.attentions)[:, 0]` saved from Hugging
// Face) instead of a trace; the `sentlens tokens --attention` and `sentlens sinks --attention`
// jobs.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sentlens/analysis/token_rhythm.h"
#include "sentlens/workflow/token_jobs.h"

namespace sentlens {

/// Where the attention and the texts of its tokens come from.
struct AttentionDumpInput {
  std::filesystem::path attention;  // safetensors: `attentions` (or `attn`) [L, H, T, T]; `ids`
                                    // [T] when present
  /// Optional: a folder whose tokenizer encodes `text` to label the tokens (its ids must be the
  /// file's `ids` when it has them). Without it the tokens are labelled by their ids.
  std::filesystem::path tokenizer_dir;
  std::optional<std::string> text;
  bool add_bos = true;  // as `sentlens trace` encodes
};

/// The map's token rhythm, computed by the observer `sentlens trace` runs inside the forward
/// (fed the map in blocks of rows), and the token texts. Throws FormatError for a file without a
/// square [L, H, T, T] map, InputError for texts that do not match the map.
struct AttentionDump {
  std::string source;
  std::vector<std::string> token_texts;  // [T]
  TokenRhythm rhythm;
};

AttentionDump read_attention_dump(const AttentionDumpInput& input,
                                  const TokenRhythmOptions& options);

/// `sentlens tokens --attention`: as run_tokens_job on a trace with this rhythm.
TokensReport run_tokens_on_attention(const AttentionDumpInput& input,
                                     const TokenRhythmOptions& rhythm, const TokensJob& job);

/// `sentlens sinks --attention`: as run_sinks_job on a trace with this map's column sums.
SinksReport run_sinks_on_attention(const AttentionDumpInput& input, const SinkOptions& options);

}  // namespace sentlens
