// The forward pass: one implementation for every family, with attention computed per layer in
// blocks of query rows and handed to editors and observers (see hooks.h for the contract).
#include <cmath>
#include <limits>
#include <optional>

#include <torch/torch.h>

#include "model/rope.h"
#include "model/weights.h"
#include "sentlens/model/model.h"
#include "sentlens/util/memory.h"
#include "util/check.h"

namespace sentlens {

namespace {

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight,
                     const torch::Tensor& bias) {
  return bias.defined() ? torch::nn::functional::linear(x, weight, bias)
                        : torch::nn::functional::linear(x, weight);
}

// RMSNorm as in transformers: x / sqrt(mean(x²) + eps) · weight, in float32.
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  auto variance = x.pow(2).mean(-1, /*keepdim=*/true);
  return weight * (x * torch::rsqrt(variance + eps));
}

torch::Tensor norm(const ModelConfig& config, const torch::Tensor& x, const torch::Tensor& weight,
                   const torch::Tensor& bias) {
  if (config.norm == NormKind::kLayerNorm) {
    return torch::layer_norm(x, {x.size(-1)}, weight, bias, config.norm_eps);
  }
  return rms_norm(x, weight, config.norm_eps);
}

torch::Tensor mlp(const ModelConfig& config, const LayerWeights& layer, const torch::Tensor& x) {
  auto projected = linear(x, layer.gate_up_weight, layer.gate_up_bias);
  torch::Tensor activated;
  if (config.mlp == MlpKind::kSwiGlu) {
    auto halves = projected.chunk(2, -1);  // gate, up
    activated = torch::silu(halves[0]) * halves[1];
  } else {
    // GPT-2 gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    activated = torch::gelu(projected, "tanh");
  }
  return linear(activated, layer.down_weight, layer.down_bias);
}

// Token rows per MLP chunk. The MLP's intermediates ([rows, 2·I] and two [rows, I]) are the
// largest temporaries of a long forward (8192 tokens of Qwen2.5-0.5B: 0.6 GiB), so longer inputs
// run it in chunks of this many rows (40 MB there); rows are independent and GEMMs of 1024 rows
// run at full speed. Inputs of at most this many rows run in one piece, as before.
constexpr std::int64_t kMlpChunkRows = 1024;

torch::Tensor chunked_mlp(const ModelConfig& config, const LayerWeights& layer,
                          const torch::Tensor& x) {
  const std::int64_t rows = x.numel() / x.size(-1);
  if (rows <= kMlpChunkRows) return mlp(config, layer, x);
  const auto flat = x.reshape({rows, x.size(-1)});
  std::vector<torch::Tensor> parts;
  for (std::int64_t row = 0; row < rows; row += kMlpChunkRows) {
    parts.push_back(mlp(config, layer, flat.narrow(0, row, std::min(kMlpChunkRows, rows - row))));
  }
  return torch::cat(parts).view(x.sizes());
}

// Bytes of one [N, H, rows, keys] float32 tensor of an attention block, at most (our choice).
constexpr std::int64_t kBlockBytes = std::int64_t{32} << 20;

// Everything one layer's attention needs besides the weights.
struct AttentionContext {
  const ModelConfig& config;
  const ForwardOptions& options;
  std::int64_t layer;
  std::int64_t past;  // cached positions before the new tokens
  bool observed;      // some observer wants this layer
  bool edited;        // some editor edits this layer
  bool all_keys;      // some editor needs every key of the forward in each block
};

// Causal (and sliding-window) attention of q [N, H, T, Dh] over keys/values [N, KVH, past+T, Dh],
// computed in blocks of query rows. Returns [N, H, T, Dh].
torch::Tensor blockwise_attention(const AttentionContext& context, const torch::Tensor& q,
                                  const torch::Tensor& keys, const torch::Tensor& values) {
  const ModelConfig& config = context.config;
  const std::int64_t N = q.size(0), H = q.size(1), T = q.size(2), Dh = q.size(3);
  const std::int64_t KVH = config.num_kv_heads, G = config.kv_group_size();
  // Rows per block: the option, lowered for long inputs so that one [N, H, rows, keys] float32
  // tensor stays within kBlockBytes (a block's scores, probabilities and the observers' temporaries
  // are several such tensors: at 256 rows x 8192 keys x 14 heads each is 113 MiB).
  const std::int64_t block_size = std::max<std::int64_t>(
      1, std::min(context.options.block_size,
                  kBlockBytes / (4 * N * H * std::max<std::int64_t>(1, context.past + T))));
  const double scale = 1.0 / std::sqrt(static_cast<double>(Dh));
  const auto window = config.sliding_window_applies(context.layer) ? *config.sliding_window : 0;
  auto output = torch::empty({N, H, T, Dh}, q.options());
  auto index_options = torch::TensorOptions().dtype(torch::kInt64).device(q.device());

  for (std::int64_t row = 0; row < T; row += block_size) {
    const std::int64_t rows = std::min(block_size, T - row);
    const std::int64_t query_start = context.past + row;
    // Later keys are masked for every row of the block, so they are skipped unless asked for.
    const std::int64_t key_count = context.all_keys ? context.past + T : query_start + rows;
    // Query head h uses key/value head h / G (transformers' repeat_kv): group the G query heads
    // of one KV head into the rows of a single matmul instead of copying K and V G times.
    auto q_block = q.narrow(2, row, rows).reshape({N, KVH, G * rows, Dh});
    auto k_block = keys.narrow(2, 0, key_count);
    auto v_block = values.narrow(2, 0, key_count);
    auto scores =
        torch::matmul(q_block, k_block.transpose(-1, -2)).mul_(scale).view({N, H, rows, key_count});

    auto query_positions =
        torch::arange(query_start, query_start + rows, index_options).unsqueeze(1);
    auto key_positions = torch::arange(0, key_count, index_options).unsqueeze(0);
    auto distance = query_positions - key_positions;  // [rows, key_count]
    auto masked = distance < 0;
    if (window > 0) masked = masked.logical_or(distance >= window);
    scores.masked_fill_(masked, -std::numeric_limits<float>::infinity());

    AttentionBlock block{context.layer, 0, query_start, rows, key_count, H};
    if (context.edited) {
      for (std::int64_t n = 0; n < N; ++n) {
        block.sequence = n;
        auto sequence_scores = scores[n];
        for (auto* editor : context.options.editors) {
          if (editor->edits_layer(context.layer)) editor->edit_scores(block, sequence_scores);
        }
      }
    }
    auto probs = torch::softmax(scores, -1);
    if (context.edited) {
      for (std::int64_t n = 0; n < N; ++n) {
        block.sequence = n;
        auto sequence_probs = probs[n];
        for (auto* editor : context.options.editors) {
          if (editor->edits_layer(context.layer)) editor->edit_probs(block, sequence_probs);
        }
      }
    }
    if (context.observed) {
      for (std::int64_t n = 0; n < N; ++n) {
        block.sequence = n;
        const auto sequence_probs = probs[n];
        for (auto* observer : context.options.observers) {
          if (observer->observes_layer(context.layer)) observer->observe(block, sequence_probs);
        }
      }
    }
    auto context_block = torch::matmul(probs.view({N, KVH, G * rows, key_count}), v_block);
    output.narrow(2, row, rows).copy_(context_block.view({N, H, rows, Dh}));
  }
  return output;
}

bool any_observer(const ForwardOptions& options, std::int64_t layer) {
  for (auto* observer : options.observers) {
    if (observer->observes_layer(layer)) return true;
  }
  return false;
}

bool any_editor(const ForwardOptions& options, std::int64_t layer) {
  for (auto* editor : options.editors) {
    if (editor->edits_layer(layer)) return true;
  }
  return false;
}

bool any_editor_needs_all_keys(const ForwardOptions& options, std::int64_t layer) {
  for (auto* editor : options.editors) {
    if (editor->edits_layer(layer) && editor->needs_all_keys(layer)) return true;
  }
  return false;
}

void check_ids(const ModelConfig& config, const std::filesystem::path& directory,
               const torch::Tensor& ids, std::int64_t past, const ForwardOptions& options) {
  SENTLENS_CHECK(ids.dim() == 2, InputError, "token ids must be [T] or [N, T], got {} dimensions",
                 ids.dim());
  SENTLENS_CHECK(ids.size(0) > 0 && ids.size(1) > 0, InputError,
                 "empty input: no token ids to run through {}", directory.string());
  const auto minimum = ids.min().item<std::int64_t>();
  const auto maximum = ids.max().item<std::int64_t>();
  if (minimum < 0 || maximum >= config.vocab_size) {
    const auto bad = minimum < 0 ? minimum : maximum;
    const auto position = (ids == bad).nonzero()[0][1].item<std::int64_t>();
    throw InputError(fmt::format("token id {} at position {} is outside the vocabulary of {} ({})",
                                 bad, position, config.vocab_size,
                                 (directory / "config.json").string()));
  }
  const std::int64_t end = past + ids.size(1);
  if (end > config.max_position_embeddings) {
    SENTLENS_CHECK(options.allow_longer && !config.learned_positions, InputError,
                   "{} tokens exceed max_position_embeddings {} of {}{}", end,
                   config.max_position_embeddings, (directory / "config.json").string(),
                   config.learned_positions
                       ? " (learned positions cannot be extended)"
                       : "; allow_longer (the --allow-longer option of sentlens forward, trace, "
                         "analyze and suppress) runs past it, with positions the model never saw");
  }
}

// Peak bytes of one forward in float32, estimated before anything is allocated: the residual stream
// and its per-layer temporaries (about 6 x [N, T, D] plus the MLP's 3 x [rows, I] per chunk), the
// keys and values ([2, N, past + T, KVH, Dh] per layer kept: every layer with a cache, else one),
// one attention block's scores and probabilities (2 x [N, H, block, past + T]) and the logits [N,
// T, V].
double estimate_forward_bytes(const ModelConfig& config, std::int64_t N, std::int64_t past,
                              std::int64_t T, const ForwardOptions& options) {
  const double n = static_cast<double>(N), t = static_cast<double>(T);
  const double keys = static_cast<double>(past + T);
  const double block =
      static_cast<double>(std::max<std::int64_t>(1, std::min(options.block_size, T)));
  const double layers_kept =
      options.cache != nullptr ? static_cast<double>(config.num_layers) : 1.0;
  const double mlp_rows = std::min(n * t, static_cast<double>(kMlpChunkRows));
  double floats = n * t * 6.0 * config.hidden_size + mlp_rows * 3.0 * config.intermediate_size;
  floats += layers_kept * 2.0 * n * keys * config.num_kv_heads * config.head_dim;
  floats += 2.0 * n * config.num_heads * block * keys;
  if (options.compute_logits) floats += n * t * config.vocab_size;
  return 4.0 * floats;
}

}  // namespace

ForwardResult Model::forward(const torch::Tensor& input_ids, const ForwardOptions& options) const {
  std::optional<torch::NoGradGuard> no_grad;
  if (!options.enable_grad) no_grad.emplace();
  const ModelConfig& config = config_;
  const ModelWeights& weights = *weights_;
  SENTLENS_CHECK(input_ids.defined() && (input_ids.dim() == 1 || input_ids.dim() == 2), InputError,
                 "token ids must be a [T] or [N, T] tensor");
  SENTLENS_CHECK(!at::isFloatingType(input_ids.scalar_type()), InputError,
                 "token ids must be integers, got {}", c10::toString(input_ids.scalar_type()));
  const bool single = input_ids.dim() == 1;
  auto ids = (single ? input_ids.unsqueeze(0) : input_ids).to(device_, torch::kInt64);

  KVCache* cache = options.cache;
  const std::int64_t past = cache != nullptr ? cache->length() : 0;
  check_ids(config, directory_, ids, past, options);
  const std::int64_t N = ids.size(0), T = ids.size(1);
  if (cache != nullptr && !cache->empty()) {
    SENTLENS_CHECK(cache->num_sequences() == N, InputError,
                   "KV cache holds {} sequences but {} were given (use KVCache::repeat)",
                   cache->num_sequences(), N);
  }
  const std::int64_t H = config.num_heads, KVH = config.num_kv_heads, Dh = config.head_dim;
  if (device_.is_cpu()) {
    check_fits_in_memory(
        estimate_forward_bytes(config, N, past, T, options),
        fmt::format("a forward of {} x {} tokens through {}", N, T, directory_.string()));
  }

  ForwardShape shape{config.num_layers, H, N, past, T};
  for (auto* observer : options.observers) observer->begin_forward(shape);

  auto hidden = torch::embedding(weights.token_embedding, ids);  // [N, T, D]
  torch::Tensor cos, sin;
  if (config.learned_positions) {
    hidden = hidden + weights.position_embedding.narrow(0, past, T);
  } else {
    std::tie(cos, sin) = rope_tables(weights.inv_freq, past, T);
  }

  for (std::int64_t l = 0; l < config.num_layers; ++l) {
    const LayerWeights& layer = weights.layers[static_cast<std::size_t>(l)];
    auto normed = norm(config, hidden, layer.attn_norm_weight, layer.attn_norm_bias);
    auto qkv = linear(normed, layer.qkv_weight, layer.qkv_bias);  // [N, T, (H + 2·KVH)·Dh]
    auto parts = qkv.split({H * Dh, KVH * Dh, KVH * Dh}, -1);
    auto q = parts[0].view({N, T, H, Dh}).transpose(1, 2);    // [N, H, T, Dh]
    auto k = parts[1].view({N, T, KVH, Dh}).transpose(1, 2);  // [N, KVH, T, Dh]
    auto v = parts[2].view({N, T, KVH, Dh}).transpose(1, 2);
    if (config.qk_norm) {  // Qwen3: RMSNorm over head_dim before RoPE
      q = rms_norm(q, layer.q_norm_weight, config.norm_eps);
      k = rms_norm(k, layer.k_norm_weight, config.norm_eps);
    }
    if (!config.learned_positions) {
      q = apply_rope(q, cos, sin);
      k = apply_rope(k, cos, sin);
    }
    torch::Tensor keys = k.contiguous(), values = v.contiguous();
    if (cache != nullptr) {
      if (l < cache->num_layers()) {
        keys = torch::cat({cache->keys(l), keys}, 2);
        values = torch::cat({cache->values(l), values}, 2);
      }
      cache->set_layer(l, keys, values);
    }
    AttentionContext context{config,
                             options,
                             l,
                             past,
                             any_observer(options, l),
                             any_editor(options, l),
                             any_editor_needs_all_keys(options, l)};
    auto attended = blockwise_attention(context, q.contiguous(), keys, values);  // [N, H, T, Dh]
    auto merged = attended.transpose(1, 2).reshape({N, T, H * Dh});
    hidden = hidden + linear(merged, layer.o_weight, layer.o_bias);
    hidden = hidden + chunked_mlp(config, layer,
                                  norm(config, hidden, layer.mlp_norm_weight, layer.mlp_norm_bias));
  }
  for (auto* observer : options.observers) observer->end_forward();

  ForwardResult result;
  auto final_hidden = norm(config, hidden, weights.final_norm_weight, weights.final_norm_bias);
  if (options.compute_logits) {
    result.logits = torch::nn::functional::linear(final_hidden, weights.lm_head);
    if (single) result.logits = result.logits.squeeze(0);
  }
  if (options.return_hidden) result.hidden = single ? final_hidden.squeeze(0) : final_hidden;
  return result;
}

}  // namespace sentlens
