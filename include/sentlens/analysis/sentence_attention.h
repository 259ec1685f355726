// Sentence-averaged attention (metrics.md §1.3) from full attention maps, and the import of
// attention computed elsewhere (`sentlens receivers --attention FILE`). The streaming version
// that never holds [T, T] is capture/sentence_pooling.h; this one is its oracle.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sentlens/analysis/receivers.h"
#include "sentlens/text/alignment.h"
#include "sentlens/text/splitter.h"

namespace sentlens {

/// The token ranges that are actually averaged over a sequence of `num_tokens` tokens. Reference
/// profile ([QUIRK] metrics.md §1.3): both ends clamped to T - 1, so the last token is in no
/// block. Clean profile: the ranges as given. Ranges must pass check_token_ranges.
std::vector<TokenRange> pooling_ranges(const std::vector<TokenRange>& ranges,
                                       std::int64_t num_tokens, Profile profile);

/// The value of a block whose row or column range is empty: 0 in the reference profile (the
/// original leaves the zero it started with), NaN in the clean one (metrics.md §1.12).
float empty_block_value(Profile profile);

/// Pools one head's attention `attention` (float32 [T, T], row-major) into `out` (S x S): mean of
/// every block A[r_i, r_j] including causal zeros, accumulated in float64.
void pool_attention_matrix(const float* attention, std::int64_t num_tokens,
                           const std::vector<TokenRange>& ranges, Profile profile, float* out);

/// Pools [L, H, T, T] attention (float32, row-major) into [L, H, S, S].
SentenceMatrices pool_attention(const std::vector<float>& attention, std::int64_t num_layers,
                                std::int64_t num_heads, std::int64_t num_tokens,
                                const std::vector<TokenRange>& ranges, Profile profile);

/// Options of import_attention_file.
struct AttentionImportOptions {
  Profile profile = Profile::kClean;  // pooling rule (see pooling_ranges); our default
  bool strict = false;  // our choice: a non-stochastic or non-causal map is a warning unless strict
  double row_sum_tolerance = 1e-3;  // |Σ_k A[q,k] - 1| allowed (fp16/bf16 maps round to ~1e-3)
  double causal_tolerance = 1e-6;   // largest |A[q,k]| allowed for k > q
};

/// Attention imported from a file, pooled.
struct ImportedAttention {
  SentenceMatrices matrices;
  std::vector<TokenRange> boundaries;  // as stored in the file
  std::int64_t num_tokens = 0;
  std::vector<std::string> warnings;  // row sums / causality problems (errors when strict)
};

/// Reads a safetensors file with `attn` [L, H, T, T] (F32, F16, BF16 or F64) and `boundaries`
/// I64 [S, 2] (token ranges [start, end) of the sentences), checks both and pools the attention.
/// The layout of the golden `input.safetensors` files and of what a Python user saves from
/// Hugging Face (`torch.stack(out.attentions)[:, 0]`). Throws FormatError for missing or
/// mis-shaped tensors, InputError for bad boundaries (and, with strict, bad attention).
ImportedAttention import_attention_file(const std::filesystem::path& path,
                                        const AttentionImportOptions& options = {});

}  // namespace sentlens
