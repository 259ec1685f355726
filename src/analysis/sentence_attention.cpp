// Sentence-averaged attention from full maps, and attention import (metrics.md §1.3).
#include "sentlens/analysis/sentence_attention.h"

#include <cmath>
#include <limits>

#include <fmt/ranges.h>

#include "sentlens/io/safetensors.h"
#include "util/check.h"
#include "util/log.h"

namespace sentlens {

std::vector<TokenRange> pooling_ranges(const std::vector<TokenRange>& ranges,
                                       std::int64_t num_tokens, Profile profile) {
  check_token_ranges(ranges, num_tokens, "sentence token ranges");
  if (profile != Profile::kReference) return ranges;
  std::vector<TokenRange> clamped = ranges;
  for (TokenRange& range : clamped) {
    range.start = std::min(range.start, num_tokens - 1);
    range.end = std::min(range.end, num_tokens - 1);
  }
  return clamped;
}

float empty_block_value(Profile profile) {
  return profile == Profile::kReference ? 0.0f : std::numeric_limits<float>::quiet_NaN();
}

void pool_attention_matrix(const float* attention, std::int64_t num_tokens,
                           const std::vector<TokenRange>& ranges, Profile profile, float* out) {
  const std::vector<TokenRange> pooled = pooling_ranges(ranges, num_tokens, profile);
  const auto s_count = static_cast<std::int64_t>(pooled.size());
  for (std::int64_t i = 0; i < s_count; ++i) {
    const TokenRange& rows = pooled[static_cast<std::size_t>(i)];
    for (std::int64_t j = 0; j < s_count; ++j) {
      const TokenRange& columns = pooled[static_cast<std::size_t>(j)];
      if (rows.size() <= 0 || columns.size() <= 0) {
        out[i * s_count + j] = empty_block_value(profile);
        continue;
      }
      double sum = 0;
      for (std::int64_t q = rows.start; q < rows.end; ++q) {
        const float* row = attention + q * num_tokens;
        for (std::int64_t k = columns.start; k < columns.end; ++k) sum += row[k];
      }
      out[i * s_count + j] =
          static_cast<float>(sum / static_cast<double>(rows.size() * columns.size()));
    }
  }
}

SentenceMatrices pool_attention(const std::vector<float>& attention, std::int64_t num_layers,
                                std::int64_t num_heads, std::int64_t num_tokens,
                                const std::vector<TokenRange>& ranges, Profile profile) {
  SENTLENS_CHECK(static_cast<std::int64_t>(attention.size()) ==
                     num_layers * num_heads * num_tokens * num_tokens,
                 InputError, "attention holds {} values, expected L·H·T·T = {}", attention.size(),
                 num_layers * num_heads * num_tokens * num_tokens);
  SentenceMatrices matrices;
  matrices.num_layers = num_layers;
  matrices.num_heads = num_heads;
  matrices.num_sentences = static_cast<std::int64_t>(ranges.size());
  const std::int64_t block = matrices.num_sentences * matrices.num_sentences;
  matrices.values.resize(static_cast<std::size_t>(num_layers * num_heads * block));
  for (std::int64_t lh = 0; lh < num_layers * num_heads; ++lh) {
    pool_attention_matrix(attention.data() + lh * num_tokens * num_tokens, num_tokens, ranges,
                          profile, matrices.values.data() + lh * block);
  }
  return matrices;
}

namespace {

// Row sums and causality of every map; one message per kind, naming the first offender.
std::vector<std::string> check_attention(const std::vector<float>& attention, std::int64_t layers,
                                         std::int64_t heads, std::int64_t tokens,
                                         const AttentionImportOptions& options,
                                         const std::string& source) {
  std::vector<std::string> problems;
  std::int64_t bad_rows = 0;
  std::int64_t bad_cells = 0;
  std::string first_row;
  std::string first_cell;
  for (std::int64_t l = 0; l < layers; ++l) {
    for (std::int64_t h = 0; h < heads; ++h) {
      const float* map = attention.data() + (l * heads + h) * tokens * tokens;
      for (std::int64_t q = 0; q < tokens; ++q) {
        double sum = 0;
        for (std::int64_t k = 0; k < tokens; ++k) {
          const float value = map[q * tokens + k];
          sum += value;
          if (k > q && !(std::fabs(value) <= options.causal_tolerance)) {
            if (bad_cells++ == 0) {
              first_cell = fmt::format("layer {} head {}: A[{}, {}] = {}", l, h, q, k, value);
            }
          }
        }
        if (!(std::fabs(sum - 1.0) <= options.row_sum_tolerance)) {
          if (bad_rows++ == 0) {
            first_row = fmt::format("layer {} head {} row {} sums to {}", l, h, q, sum);
          }
        }
      }
    }
  }
  if (bad_rows > 0) {
    problems.push_back(fmt::format(
        "{}: attention is not row-stochastic: {} rows differ from 1 by more than {} (first: {})",
        source, bad_rows, options.row_sum_tolerance, first_row));
  }
  if (bad_cells > 0) {
    problems.push_back(
        fmt::format("{}: attention is not causal: {} entries above the diagonal exceed {} "
                    "(first: {})",
                    source, bad_cells, options.causal_tolerance, first_cell));
  }
  return problems;
}

}  // namespace

ImportedAttention import_attention_file(const std::filesystem::path& path,
                                        const AttentionImportOptions& options) {
  const auto file = SafetensorsFile::open(path);
  const std::string source = path.string();
  SENTLENS_CHECK(file->contains("attn"), FormatError,
                 "{}: no tensor `attn` (expected F32/F16/BF16/F64 [L, H, T, T])", source);
  SENTLENS_CHECK(file->contains("boundaries"), FormatError,
                 "{}: no tensor `boundaries` (expected I64 [S, 2] token ranges)", source);
  const TensorInfo& attn_info = file->info("attn");
  SENTLENS_CHECK(attn_info.shape.size() == 4 && attn_info.shape[2] == attn_info.shape[3],
                 FormatError, "{}: `attn` must have shape [L, H, T, T], got [{}]", source,
                 fmt::join(attn_info.shape, ", "));
  const std::int64_t layers = attn_info.shape[0];
  const std::int64_t heads = attn_info.shape[1];
  const std::int64_t tokens = attn_info.shape[2];
  SENTLENS_CHECK(layers > 0 && heads > 0 && tokens > 0, FormatError,
                 "{}: `attn` has an empty dimension: [{}]", source,
                 fmt::join(attn_info.shape, ", "));
  const TensorInfo& bounds_info = file->info("boundaries");
  SENTLENS_CHECK(bounds_info.shape.size() == 2 && bounds_info.shape[1] == 2, FormatError,
                 "{}: `boundaries` must have shape [S, 2], got [{}]", source,
                 fmt::join(bounds_info.shape, ", "));

  ImportedAttention imported;
  imported.num_tokens = tokens;
  const std::vector<std::int64_t> bounds = file->read_i64("boundaries");
  for (std::size_t s = 0; s + 1 < bounds.size(); s += 2) {
    imported.boundaries.push_back(TokenRange{bounds[s], bounds[s + 1]});
  }
  check_token_ranges(imported.boundaries, tokens, source + ": boundaries");

  const std::vector<float> attention = file->read_f32("attn");
  imported.warnings = check_attention(attention, layers, heads, tokens, options, source);
  for (const std::string& problem : imported.warnings) {
    SENTLENS_CHECK(!options.strict, InputError, "{}", problem);
    logger().warn("{}", problem);
  }
  imported.matrices =
      pool_attention(attention, layers, heads, tokens, imported.boundaries, options.profile);
  imported.matrices.source = source;
  return imported;
}

}  // namespace sentlens
