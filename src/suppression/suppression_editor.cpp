// SuppressionEditor: masks the key columns of token ranges before softmax (docs/metrics.md §1.8).
#include <algorithm>
#include <limits>

#include <torch/torch.h>

#include "sentlens/suppression/suppression.h"
#include "util/check.h"

namespace sentlens {

bool HeadSelection::includes_layer(std::int64_t layer) const {
  return layers.empty() || std::find(layers.begin(), layers.end(), layer) != layers.end();
}

SuppressionEditor::SuppressionEditor(std::vector<std::vector<TokenRange>> ranges_per_sequence,
                                     Profile profile, HeadSelection heads)
    : ranges_(std::move(ranges_per_sequence)), profile_(profile), heads_(std::move(heads)) {}

void SuppressionEditor::edit_scores(const AttentionBlock& block, torch::Tensor& scores) {
  if (block.sequence >= static_cast<std::int64_t>(ranges_.size())) return;
  const auto& ranges = ranges_[static_cast<std::size_t>(block.sequence)];
  auto bool_options = torch::TensorOptions().dtype(torch::kBool).device(scores.device());
  auto in_range = torch::zeros({block.key_count}, bool_options);  // suppressed key columns
  bool any = false;
  for (const auto& [first, last] : ranges) {
    const auto begin = std::clamp<std::int64_t>(first, 0, block.key_count);
    const auto end = std::clamp<std::int64_t>(last, 0, block.key_count);
    if (begin < end) {
      in_range.narrow(0, begin, end - begin).fill_(true);
      any = true;
    }
  }
  if (!any) return;

  auto mask = in_range.view({1, 1, block.key_count}).expand_as(scores);  // [H, rows, keys]
  if (!heads_.heads.empty()) {
    auto selected = torch::zeros({block.num_heads}, bool_options);
    for (auto head : heads_.heads) {
      if (head >= 0 && head < block.num_heads) selected[head] = true;
    }
    mask = mask.logical_and(selected.view({block.num_heads, 1, 1}));
  }
  const auto visible = torch::isfinite(scores);
  if (profile_ == Profile::kReference) {
    // The original sets the columns to finfo(float32).min and then adds Hugging Face's additive
    // causal mask (0 or min): suppressed future keys overflow to -inf, suppressed visible keys
    // hold min, and other future keys hold score + min = min. A row with some unsuppressed
    // visible key is unaffected by the min entries; a row whose every visible key is suppressed
    // spreads its attention evenly over all the min entries, future keys included. The block
    // spans every key (needs_all_keys) so that this case comes out as in the original.
    const auto lowest = std::numeric_limits<float>::lowest();
    scores.masked_fill_(mask.logical_and(visible), lowest);
    scores.masked_fill_(mask.logical_not().logical_and(visible.logical_not()), lowest);
  } else {
    // -inf on the columns; a row whose every visible key is suppressed stays unmasked, since it
    // would otherwise have no distribution at all (docs/metrics.md §1.8, recommendation).
    auto keeps_a_key = visible.logical_and(mask.logical_not()).any(-1, /*keepdim=*/true);
    scores.masked_fill_(mask.logical_and(keeps_a_key), -std::numeric_limits<float>::infinity());
  }
}

}  // namespace sentlens
