// The forward pass: one implementation for every family, with attention computed per layer in
// blocks of query rows and handed to editors and observers (see hooks.h for the contract).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include <torch/torch.h>

#include "model/host_memory.h"
#include "model/layer_math.h"
#include "model/mixture_of_experts.h"
#include "model/rope.h"
#include "model/weights.h"
#include "sentlens/model/model.h"
#include "sentlens/util/memory.h"
#include "util/check.h"
#include "util/log.h"

namespace sentlens {

namespace {

// A [shape] view of the front of a flat buffer.
std::int64_t element_count(at::IntArrayRef shape) {
  std::int64_t count = 1;
  for (auto size : shape) count *= size;
  return count;
}

torch::Tensor front_view(const torch::Tensor& buffer, at::IntArrayRef shape) {
  return buffer.narrow(0, 0, element_count(shape)).view(shape);
}

// Memory for the decoder layers' [N·T, ·] intermediates (norm outputs, the q/k/v product, rotated
// queries and keys, values, the sublayers' outputs, the MLP's product), allocated once per forward
// and reused by every layer, as the attention workspace is by every block. With a fresh tensor per
// op and layer, glibc grew and trimmed its heap around every layer: strace showed ~100 MB mapped
// again per layer of the 12-layer Llama shape at 4,096 tokens, 290,000 minor page faults per
// forward. Disabled under autograd (out= ops record no gradient): take() then returns an undefined
// tensor and each step allocates, as the layer functions do without `out`.
class LayerBuffers {
 public:
  enum Slot { kNormed, kQkv, kQueries, kKeys, kValues, kRopeScratch, kSublayerOut, kMlpProduct };

  LayerBuffers(bool enabled, torch::TensorOptions options)
      : enabled_(enabled), options_(std::move(options)) {}

  // A contiguous [shape] float32 view of `slot`, allocated on first use (and again only if a later
  // layer asks for more, as a mixture of experts' or a latent-attention layer's may).
  torch::Tensor take(Slot slot, at::IntArrayRef shape) {
    if (!enabled_) return {};
    const std::int64_t count = element_count(shape);
    auto& buffer = buffers_[slot];
    if (!buffer.defined() || buffer.numel() < count) buffer = torch::empty({count}, options_);
    return front_view(buffer, shape);
  }

 private:
  bool enabled_;
  torch::TensorOptions options_;
  torch::Tensor buffers_[kMlpProduct + 1];
};

// The dense MLP: gated (act(gate)·up) or plain (act(up), GPT-2).
// `product` and `out`, where defined, receive the up (or gate/up) product and the result.
torch::Tensor mlp(const ModelConfig& config, const LayerWeights& layer, const torch::Tensor& x,
                  bool grad, const torch::Tensor& product, const torch::Tensor& out) {
  if (config.mlp == MlpKind::kGated) {
    return gated_mlp(config.activation, x, layer.gate_up_weight, layer.down_weight,
                     layer.gate_up_bias, layer.down_bias, grad, product, out);
  }
  auto activated =
      activate(config.activation, project(x, layer.gate_up_weight, layer.gate_up_bias, product),
               /*in_place=*/!grad);
  return project(activated, layer.down_weight, layer.down_bias, out);
}

// Token rows per MLP chunk. The MLP's intermediates ([rows, 2·I] and [rows, I]) are the largest
// of a forward, so the MLP runs over chunks of rows (rows are independent) whose [rows, 2·I]
// float32 product stays within a budget: 64 MiB in inference, where every chunk reuses one buffer;
// 16 MiB under autograd, where each chunk allocates and glibc serves blocks that size from its
// heap (larger ones are fresh mappings, page-faulted in for every layer). At least 64 rows and at
// most 1,024: each chunk streams the MLP's weights from memory again, so small chunks cost (a
// 162-row down projection ran 65% slower per row than a 431-row one, Qwen2.5-0.5B shape).
std::int64_t mlp_chunk_rows(const ModelConfig& config, bool grad) {
  const std::int64_t product_columns =
      config.intermediate_size * (config.mlp == MlpKind::kGated ? 2 : 1);
  const std::int64_t budget = std::int64_t{grad ? 16 : 64} << 20;
  return std::clamp<std::int64_t>(budget / (4 * product_columns), 64, 1024);
}

// The MLP over chunks of rows, each chunk's result written into its rows of the sublayer-output
// buffer (or, under autograd, concatenated).
torch::Tensor chunked_mlp(const ModelConfig& config, const LayerWeights& layer,
                          const torch::Tensor& x, bool grad, LayerBuffers& buffers) {
  const std::int64_t D = x.size(-1), rows = x.numel() / D;
  const std::int64_t chunk = mlp_chunk_rows(config, grad);
  const std::int64_t product_columns = layer.gate_up_weight.size(0);
  auto out = buffers.take(LayerBuffers::kSublayerOut, {rows, D});
  const auto flat = x.reshape({rows, D});
  std::vector<torch::Tensor> parts;
  for (std::int64_t row = 0; row < rows; row += chunk) {
    const std::int64_t count = std::min(chunk, rows - row);
    auto part = mlp(config, layer, flat.narrow(0, row, count), grad,
                    buffers.take(LayerBuffers::kMlpProduct, {count, product_columns}),
                    out.defined() ? out.narrow(0, row, count) : torch::Tensor());
    if (!out.defined()) parts.push_back(part);
  }
  if (out.defined()) return out.view(x.sizes());
  return (parts.size() == 1 ? parts[0] : torch::cat(parts)).view(x.sizes());
}

// Bytes of one [N, H, rows, keys] float32 tensor of an attention block, at most (our choice).
constexpr std::int64_t kBlockBytes = std::int64_t{32} << 20;

// Query rows per attention block: the option, lowered for long inputs so that one [N, H, rows,
// keys] float32 tensor stays within kBlockBytes (a block's scores and probabilities are two such
// tensors, and observers' temporaries are of the same size: at 256 rows x 8192 keys x 14 heads
// each would be 113 MiB).
std::int64_t rows_per_block(const ForwardOptions& options, std::int64_t N, std::int64_t H,
                            std::int64_t keys) {
  return std::max<std::int64_t>(
      1, std::min(options.block_size, kBlockBytes / (4 * N * H * std::max<std::int64_t>(1, keys))));
}

// Everything one layer's attention needs besides the weights.
struct AttentionContext {
  const ModelConfig& config;
  const ForwardOptions& options;
  std::int64_t layer;
  std::int64_t past;  // cached positions before the new tokens
  bool observed;      // some observer wants this layer
  bool edited;        // some editor edits this layer
  bool all_keys;      // some editor needs every key of the forward in each block
  bool grad;          // autograd records the forward (training): no out= ops, no reused buffers
};

// Scratch memory of the attention blocks, allocated once per forward and reused by every block of
// every layer: a fresh [N, H, rows, keys] tensor per block costs an allocation and, at these
// sizes, page faults on first touch (each large block would be a new mapping). Blocks take
// contiguous views of the flat buffers.
class AttentionWorkspace {
 public:
  AttentionWorkspace(std::int64_t N, std::int64_t H, std::int64_t Dqk, std::int64_t Dv,
                     std::int64_t block_rows, std::int64_t max_keys,
                     const torch::TensorOptions& options)
      : scores_(torch::empty({N * H * block_rows * max_keys}, options)),
        probs_(torch::empty({N * H * block_rows * max_keys}, options)),
        queries_(torch::empty({N * H * block_rows * Dqk}, options)),
        context_(torch::empty({N * H * block_rows * Dv}, options)) {}

  torch::Tensor scores(at::IntArrayRef shape) { return front_view(scores_, shape); }
  torch::Tensor probs(at::IntArrayRef shape) { return front_view(probs_, shape); }
  torch::Tensor queries(at::IntArrayRef shape) { return front_view(queries_, shape); }
  torch::Tensor context(at::IntArrayRef shape) { return front_view(context_, shape); }

  // Where each row of a causal block of `rows` rows stops seeing keys: the strict upper triangle
  // of [rows, rows], over the block's own keys. Built once per block height.
  const torch::Tensor& causal_triangle(std::int64_t rows) {
    auto& mask = triangles_[rows];
    if (!mask.defined()) {
      mask = torch::ones({rows, rows},
                         torch::TensorOptions().dtype(torch::kBool).device(scores_.device()))
                 .triu(1);
    }
    return mask;
  }

 private:
  torch::Tensor scores_, probs_, queries_, context_;
  std::map<std::int64_t, torch::Tensor> triangles_;
};

// Applies the causal (and sliding-window) mask to a block's scores [N, H, rows, key_count] whose
// first row is at `query_start`: keys after a row's position, and keys `window` or more positions
// before it, get -inf.
void mask_scores(AttentionWorkspace& workspace, torch::Tensor& scores, std::int64_t query_start,
                 std::int64_t window) {
  const std::int64_t rows = scores.size(2), key_count = scores.size(3);
  const float minus_infinity = -std::numeric_limits<float>::infinity();
  if (window > 0) {
    // Sliding-window layers: the general rule, per block (only those families pay for it).
    auto index_options = torch::TensorOptions().dtype(torch::kInt64).device(scores.device());
    auto distance = torch::arange(query_start, query_start + rows, index_options).unsqueeze(1) -
                    torch::arange(0, key_count, index_options).unsqueeze(0);
    scores.masked_fill_(distance.lt(0).logical_or_(distance.ge(window)), minus_infinity);
    return;
  }
  // Causal: only the block's own keys [query_start, query_start + rows) hold a masked triangle;
  // every key after them (present when an editor needs all keys) is masked for every row.
  scores.narrow(3, query_start, rows).masked_fill_(workspace.causal_triangle(rows), minus_infinity);
  const std::int64_t after = query_start + rows;
  if (key_count > after) scores.narrow(3, after, key_count - after).fill_(minus_infinity);
}

// Hands a block to the editors (scores before softmax, then probabilities) or the observers, one
// sequence of the batch at a time, as the hook contract (hooks.h) describes.
enum class HookStage { kEditScores, kEditProbs, kObserve };

void dispatch_hooks(const AttentionContext& context, AttentionBlock block, torch::Tensor& tensor,
                    HookStage stage) {
  const auto& options = context.options;
  for (std::int64_t n = 0; n < tensor.size(0); ++n) {
    block.sequence = n;
    auto sequence = tensor[n];
    if (stage == HookStage::kObserve) {
      for (auto* observer : options.observers) {
        if (observer->observes_layer(context.layer)) observer->observe(block, sequence);
      }
      continue;
    }
    for (auto* editor : options.editors) {
      if (!editor->edits_layer(context.layer)) continue;
      if (stage == HookStage::kEditScores) {
        editor->edit_scores(block, sequence);
      } else {
        editor->edit_probs(block, sequence);
      }
    }
  }
}

// Causal (and sliding-window) self-attention of q [N, T, H, Dh] (any strides) over keys [N, KVH,
// past + T, Dh] and values [N, KVH, past + T, Dv] (contiguous), computed in blocks of query rows;
// writes the context into `output` [N, T, H, Dv] (contiguous), ready for o_proj without a
// transpose.
void self_attention(const AttentionContext& context, AttentionWorkspace& workspace,
                    std::int64_t block_rows, const torch::Tensor& q, const torch::Tensor& keys,
                    const torch::Tensor& values, torch::Tensor& output) {
  const ModelConfig& config = context.config;
  const std::int64_t N = q.size(0), T = q.size(1), H = q.size(2), Dh = q.size(3);
  const std::int64_t Dv = values.size(3);
  const std::int64_t KVH = config.num_kv_heads, G = config.kv_group_size();
  const double scale = config.attention_scale;
  const double softcap = config.attention_softcap;
  const auto window = config.sliding_window_applies(context.layer) ? *config.sliding_window : 0;
  const std::int64_t total_keys = keys.size(2);

  for (std::int64_t row = 0; row < T; row += block_rows) {
    const std::int64_t rows = std::min(block_rows, T - row);
    const std::int64_t query_start = context.past + row;
    // Later keys are masked for every row of the block, so they are skipped unless asked for.
    const std::int64_t key_count = context.all_keys ? total_keys : query_start + rows;
    // Query head h uses key/value head h / G (transformers' repeat_kv): the G query heads of one
    // KV head are the rows of a single matmul, so K and V are never copied G times. The block's
    // queries are gathered into [N·KVH, G·rows, Dh] once; keys and values are views.
    auto k_block = keys.narrow(2, 0, key_count).view({N * KVH, key_count, Dh});
    auto v_block = values.narrow(2, 0, key_count).view({N * KVH, key_count, Dv});
    torch::Tensor scores;
    if (context.grad) {  // out= ops record no gradient: fresh tensors
      auto queries = q.narrow(1, row, rows).transpose(1, 2).reshape({N * KVH, G * rows, Dh});
      scores =
          torch::bmm(queries, k_block.transpose(1, 2)).mul(scale).view({N, H, rows, key_count});
    } else {
      // The scale is applied to the gathered queries ([rows, Dh] per head) rather than to the
      // scores ([rows, keys]): one pass over the small operand. (baddbmm's alpha would do it inside
      // the GEMM, but its beta = 0 still reads the reused buffer, and 0 · -inf is NaN.)
      auto queries = workspace.queries({N, H, rows, Dh});
      queries.copy_(q.narrow(1, row, rows).transpose(1, 2));
      queries.mul_(scale);
      scores = workspace.scores({N, H, rows, key_count});
      auto scores_3d = scores.view({N * KVH, G * rows, key_count});
      at::bmm_out(scores_3d, queries.view({N * KVH, G * rows, Dh}), k_block.transpose(1, 2));
    }
    if (softcap > 0) {  // Gemma 2: cap·tanh(scores / cap), after the scale, before the mask
      scores = context.grad ? (scores / softcap).tanh() * softcap
                            : scores.div_(softcap).tanh_().mul_(softcap);
    }
    mask_scores(workspace, scores, query_start, window);

    const AttentionBlock block{context.layer, 0, query_start, rows, key_count, H};
    if (context.edited) dispatch_hooks(context, block, scores, HookStage::kEditScores);
    torch::Tensor probs;
    if (context.grad) {
      probs = torch::softmax(scores, -1);
    } else {
      probs = workspace.probs({N, H, rows, key_count});
      at::_softmax_out(probs, scores, -1, /*half_to_float=*/false);
    }
    if (context.edited) dispatch_hooks(context, block, probs, HookStage::kEditProbs);
    if (context.observed) dispatch_hooks(context, block, probs, HookStage::kObserve);

    torch::Tensor attended;
    if (context.grad) {
      attended = torch::bmm(probs.view({N * KVH, G * rows, key_count}), v_block);
    } else {
      attended = workspace.context({N * KVH, G * rows, Dv});
      at::bmm_out(attended, probs.view({N * KVH, G * rows, key_count}), v_block);
    }
    output.narrow(1, row, rows).copy_(attended.view({N, H, rows, Dv}).transpose(1, 2));
  }
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

bool any_editor_needs_whole_layer(const ForwardOptions& options, std::int64_t layer) {
  for (auto* editor : options.editors) {
    if (editor->edits_layer(layer) && editor->needs_whole_layer(layer)) return true;
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
                       : "; allow_longer runs past it, with positions the model never saw");
  }
}

// Peak bytes of one forward in float32, estimated before anything is allocated: the residual
// stream, the attention output and the layer buffers (norm output, q/k/v, rotated queries, RoPE
// scratch, sublayer output: about 8 x [N, T, D] in all, plus the MLP's 3 x [rows, I] per chunk),
// the keys and values ([2, N, past + T, KVH, Dh] per layer kept: every layer with a cache, else
// one), one attention block's scores and probabilities (2 x [N, H, block, past + T]) and the logits
// [N, T, V].
double estimate_forward_bytes(const ModelConfig& config, const ModelWeights& weights,
                              std::int64_t N, std::int64_t past, std::int64_t T,
                              std::int64_t block_rows, const ForwardOptions& options) {
  const double n = static_cast<double>(N), t = static_cast<double>(T);
  const double keys = static_cast<double>(past + T);
  const double block = static_cast<double>(std::max<std::int64_t>(1, std::min(block_rows, T)));
  const double layers_kept =
      options.cache != nullptr ? static_cast<double>(config.num_layers) : 1.0;
  const double mlp_rows =
      std::min(n * t, static_cast<double>(mlp_chunk_rows(config, options.enable_grad)));
  double floats = n * t * 8.0 * config.hidden_size + mlp_rows * 3.0 * config.intermediate_size;
  floats += layers_kept * n * keys * config.num_kv_heads * (config.head_dim + config.v_head_dim);
  floats += 2.0 * n * config.num_heads * block * keys;
  if (options.compute_logits)
    floats += n * (options.last_logits_only ? 1.0 : t) * config.vocab_size;
  // One layer's matrices materialised in float32 (none when the weights are float32 already).
  const bool float32_resident =
      weights.streamed.empty() && weights.lm_head.scalar_type() == torch::kFloat32;
  return 4.0 * floats + (float32_resident ? 0.0 : static_cast<double>(weights.layer_float32_bytes));
}

// Rotary embedding of the first rotary_dim dims of x [N, T, heads, Dh] (the rest pass through, as
// Phi-3's partial rotary); cos/sin are [T, rotary_dim]. `interleaved`: DeepSeek's pairs (2i, 2i+1)
// are de-interleaved first, as transformers does (the same permutation on q and k leaves their
// dot products unchanged). `out` and `scratch` (x's shape), where defined, take the result and
// RoPE's second product when the whole head is rotated in the plain layout.
torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                     bool interleaved, const torch::Tensor& out = {},
                     const torch::Tensor& scratch = {}) {
  const std::int64_t rotary = cos.size(-1), width = x.size(-1);
  if (out.defined() && rotary == width && !interleaved) {
    return apply_rope(x, cos.unsqueeze(1), sin.unsqueeze(1), out, scratch);
  }
  auto part = rotary == width ? x : x.narrow(-1, 0, rotary);
  if (interleaved) {
    auto sizes = part.sizes().vec();
    sizes.back() = rotary / 2;
    sizes.push_back(2);
    part = part.reshape(sizes).transpose(-1, -2).reshape(part.sizes());
  }
  auto rotated = apply_rope(part, cos.unsqueeze(1), sin.unsqueeze(1));
  return rotary == width ? rotated
                         : torch::cat({rotated, x.narrow(-1, rotary, width - rotary)}, -1);
}

// Queries [N, T, H, Dh], keys [N, T, KVH, Dh] and values [N, T, KVH, Dv] of one layer, rotated.
struct Projections {
  torch::Tensor q, k, v;
};

// `keys_out` ([N, T, KVH, Dh], any strides), where defined, receives the rotated keys.
Projections standard_projections(const ModelConfig& config, const LayerWeights& layer,
                                 const torch::Tensor& x, const torch::Tensor& cos,
                                 const torch::Tensor& sin, LayerBuffers& buffers,
                                 const torch::Tensor& keys_out) {
  const std::int64_t N = x.size(0), T = x.size(1);
  const std::int64_t H = config.num_heads, KVH = config.num_kv_heads, Dh = config.head_dim;
  // [N, T, (H + 2·KVH)·Dh]
  auto qkv = project(x, layer.qkv_weight, layer.qkv_bias,
                     buffers.take(LayerBuffers::kQkv, {N * T, layer.qkv_weight.size(0)}));
  auto parts = qkv.split({H * Dh, KVH * Dh, KVH * Dh}, -1);
  auto q = parts[0], k = parts[1];
  if (config.qk_norm == QkNormKind::kWholeProjection) {  // OLMo 2: before the head split
    q = rms_norm(q, layer.q_norm_weight, config.norm_eps);
    k = rms_norm(k, layer.k_norm_weight, config.norm_eps);
  }
  q = q.view({N, T, H, Dh});
  k = k.view({N, T, KVH, Dh});
  if (config.qk_norm == QkNormKind::kPerHead) {  // Qwen3, Gemma 3: over head_dim, before RoPE
    q = rms_norm(q, layer.q_norm_weight, config.norm_eps);
    k = rms_norm(k, layer.k_norm_weight, config.norm_eps);
  }
  if (!config.learned_positions) {
    q = rotate(q, cos, sin, config.rope_interleaved,
               buffers.take(LayerBuffers::kQueries, {N, T, H, Dh}),
               buffers.take(LayerBuffers::kRopeScratch, {N, T, H, Dh}));
    k = rotate(k, cos, sin, config.rope_interleaved, keys_out,
               buffers.take(LayerBuffers::kRopeScratch, {N, T, KVH, Dh}));
  }
  return {q, k, parts[2].view({N, T, KVH, Dh})};
}

// DeepSeek's multi-head latent attention (DeepSeek-V2 §2.1; transformers DeepseekV3Attention):
// q = q_b(norm(q_a(x))) split per head into [nope | rope]; kv_a(x) = [latent | k_rope], with
// kv_b(norm(latent)) = per head [k_nope | v] and one k_rope shared by every head.
Projections latent_projections(const ModelConfig& config, const LayerWeights& layer,
                               const torch::Tensor& x, const torch::Tensor& cos,
                               const torch::Tensor& sin) {
  const std::int64_t N = x.size(0), T = x.size(1), H = config.num_heads;
  const std::int64_t nope = config.qk_nope_head_dim, rope = config.rotary_dim;
  const std::int64_t Dv = config.v_head_dim, kv_rank = config.kv_lora_rank;
  constexpr double kLowRankNormEps =
      1e-6;  // q_a/kv_a_layernorm: their default, whatever the config
  const std::int64_t q_width = config.q_lora_rank > 0 ? config.q_lora_rank : H * config.head_dim;
  auto parts = project(x, layer.qkv_weight).split({q_width, kv_rank, rope}, -1);
  auto q =
      config.q_lora_rank > 0
          ? project(rms_norm(parts[0], layer.q_a_norm_weight, kLowRankNormEps), layer.q_b_weight)
          : parts[0];
  q = q.view({N, T, H, nope + rope});
  auto kv = project(rms_norm(parts[1], layer.kv_a_norm_weight, kLowRankNormEps), layer.kv_b_weight)
                .view({N, T, H, nope + Dv});
  auto k_rope = rotate(parts[2].reshape({N, T, 1, rope}), cos, sin, config.rope_interleaved);
  auto q_rope = rotate(q.narrow(-1, nope, rope).contiguous(), cos, sin, config.rope_interleaved);
  auto queries = torch::cat({q.narrow(-1, 0, nope), q_rope}, -1);
  auto keys = torch::cat({kv.narrow(-1, 0, nope), k_rope.expand({N, T, H, rope})}, -1);
  return {queries, keys, kv.narrow(-1, nope, Dv)};
}

// x [N, T, heads, d] in the head-major layout [N, heads, T, d] attention reads: `buffer` (filled
// unless x is already its transposed view) where defined, else a copy of its own (never a view:
// x may live in a layer buffer that the next layer overwrites, and a KV cache keeps the result).
torch::Tensor head_major(const torch::Tensor& x, const torch::Tensor& buffer) {
  auto transposed = x.transpose(1, 2);
  if (!buffer.defined()) return transposed.clone(at::MemoryFormat::Contiguous);
  if (transposed.data_ptr() == buffer.data_ptr() && transposed.strides() == buffer.strides()) {
    return buffer;
  }
  auto target = buffer;  // a handle to the buffer's memory
  return target.copy_(transposed);
}

// One decoder layer of the residual stream `hidden` [N, T, D], updated in place: attention with
// its hooks, then the MLP (llama.cpp's graph builders and llama2.c's forward() read the same way).
// Each sublayer reads norm(hidden) (or hidden itself without input norms, OLMo 2) and adds its
// output, normed first where the family has output norms (Gemma, OLMo 2).
void decoder_layer(const LayerWeights& layer, const AttentionContext& context,
                   AttentionWorkspace& workspace, LayerBuffers& buffers, std::int64_t block_rows,
                   const RotaryTables& rotary, KVCache* cache, torch::Tensor& hidden,
                   torch::Tensor& attended) {
  const ModelConfig& config = context.config;
  const std::int64_t N = hidden.size(0), T = hidden.size(1);
  const std::int64_t l = context.layer;
  const bool local_rope = rotary.local_cos.defined() && config.sliding_window_applies(l);
  const auto& cos = local_rope ? rotary.local_cos : rotary.cos;
  const auto& sin = local_rope ? rotary.local_sin : rotary.sin;
  const std::int64_t D = hidden.size(2), KVH = config.num_kv_heads;
  auto attention_in = layer.attn_norm_weight.defined()
                          ? norm(config, hidden, layer.attn_norm_weight, layer.attn_norm_bias,
                                 buffers.take(LayerBuffers::kNormed, {N, T, D}))
                          : hidden;
  // Keys and values in the head-major [N, KVH, T, ·] layout attention reads, in reused buffers
  // unless a KV cache keeps them (the rotation writes the keys there directly).
  const bool reuse_kv = cache == nullptr && config.attention != AttentionKind::kLatent;
  auto keys_buffer =
      reuse_kv ? buffers.take(LayerBuffers::kKeys, {N, KVH, T, config.head_dim}) : torch::Tensor();
  const Projections projections =
      config.attention == AttentionKind::kLatent
          ? latent_projections(config, layer, attention_in, cos, sin)
          : standard_projections(
                config, layer, attention_in, cos, sin, buffers,
                keys_buffer.defined() ? keys_buffer.transpose(1, 2) : torch::Tensor());
  auto values_buffer = reuse_kv
                           ? buffers.take(LayerBuffers::kValues, {N, KVH, T, projections.v.size(3)})
                           : torch::Tensor();
  torch::Tensor keys = head_major(projections.k, keys_buffer);
  torch::Tensor values = head_major(projections.v, values_buffer);
  if (cache != nullptr) {
    if (l < cache->num_layers()) {
      keys = torch::cat({cache->keys(l), keys}, 2);
      values = torch::cat({cache->values(l), values}, 2);
    }
    cache->set_layer(l, keys, values);
  }
  self_attention(context, workspace, block_rows, projections.q, keys, values, attended);
  auto attention_out =
      project(attended.view({N, T, attended.size(2) * attended.size(3)}), layer.o_weight,
              layer.o_bias, buffers.take(LayerBuffers::kSublayerOut, {N * T, D}));
  if (layer.attn_out_norm_weight.defined()) {
    attention_out = rms_norm(attention_out, layer.attn_out_norm_weight, config.norm_eps);
  }
  // The residual stream is updated in place, except under autograd, whose graph keeps the
  // previous values for the norms' backward.
  hidden = context.grad ? hidden + attention_out : hidden.add_(attention_out);
  auto mlp_in = layer.mlp_norm_weight.defined()
                    ? norm(config, hidden, layer.mlp_norm_weight, layer.mlp_norm_bias,
                           buffers.take(LayerBuffers::kNormed, {N, T, D}))
                    : hidden;
  auto mlp_out = config.is_moe_layer(l)
                     ? mixture_of_experts(config, layer, l, context.past, mlp_in, context.options)
                     : chunked_mlp(config, layer, mlp_in, context.grad, buffers);
  if (layer.mlp_out_norm_weight.defined()) {
    mlp_out = rms_norm(mlp_out, layer.mlp_out_norm_weight, config.norm_eps);
  }
  hidden = context.grad ? hidden + mlp_out : hidden.add_(mlp_out);
}

}  // namespace

// The memory plan of a forward, checked before anything large is allocated: the weights held in
// memory plus the pass's own peak must fit in physical memory, else a LimitError says by how much
// and whether streaming the weights would fit.
void Model::check_forward_memory(std::int64_t N, std::int64_t past, std::int64_t T,
                                 std::int64_t block_rows, const ForwardOptions& options) const {
  const double physical = static_cast<double>(physical_memory_bytes());
  if (physical <= 0) return;
  const double pass = estimate_forward_bytes(config_, *weights_, N, past, T, block_rows, options);
  const double held = static_cast<double>(weights_->resident_bytes);
  if (pass + held <= physical) return;
  std::string advice = "; a shorter input or a smaller batch would fit";
  const double streamed = pass + static_cast<double>(weights_->layer_float32_bytes);
  if (weights_mode_ == WeightsMode::kResident && streamed <= physical) {
    advice = fmt::format(
        "; with the weights streamed from disk (weights mode \"stream\") it needs about {}",
        human_bytes(streamed));
  }
  throw LimitError(fmt::format(
      "a forward of {} x {} tokens through {} needs about {} ({} of weights held in memory + {} "
      "for the pass), more than the {} of this machine{}",
      N, T, directory_.string(), human_bytes(pass + held), human_bytes(held), human_bytes(pass),
      human_bytes(physical), advice));
}

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
  const std::int64_t H = config.num_heads, Dh = config.head_dim;
  // Query rows per block: capped (rows_per_block), except in layers whose editors need them all.
  const std::int64_t block_rows = rows_per_block(options, N, H, past + T);
  bool whole_layers = false;
  for (std::int64_t l = 0; l < config.num_layers; ++l) {
    whole_layers = whole_layers || any_editor_needs_whole_layer(options, l);
  }
  const std::int64_t widest_block = whole_layers ? T : std::min(block_rows, T);
  if (device_.is_cpu()) check_forward_memory(N, past, T, widest_block, options);

  ForwardShape shape{config.num_layers, H, N, past, T};
  for (auto* observer : options.observers) observer->begin_forward(shape);

  // [N, T, D], a fresh float32 tensor (the embedding rows converted from the stored dtype).
  auto hidden = torch::embedding(weights.token_embedding, ids).to(torch::kFloat32);
  if (config.embedding_multiplier != 1.0) hidden.mul_(config.embedding_multiplier);
  RotaryTables rotary;
  if (config.learned_positions) {
    hidden = hidden + weights.position_embedding.narrow(0, past, T);
  } else {
    rotary = rotary_tables(weights.rotary, past, T);
  }

  const std::int64_t max_keys = past + T;
  const auto float_options = hidden.options().dtype(torch::kFloat32);
  const std::int64_t Dv = config.v_head_dim;
  AttentionWorkspace workspace(N, H, Dh, Dv, widest_block, max_keys, float_options);
  LayerBuffers buffers(/*enabled=*/!options.enable_grad, float_options);
  auto attended = torch::empty({N, T, H, Dv}, float_options);
  LayerMaterializer materializer(weights, device_);
  std::int64_t first_nonfinite_layer = -1;
  for (std::int64_t l = 0; l < config.num_layers; ++l) {
    const AttentionContext context{config,
                                   options,
                                   l,
                                   past,
                                   any_observer(options, l),
                                   any_editor(options, l),
                                   any_editor_needs_all_keys(options, l),
                                   options.enable_grad};
    if (options.enable_grad) attended = torch::empty({N, T, H, Dv}, float_options);
    const std::int64_t layer_rows = any_editor_needs_whole_layer(options, l) ? T : block_rows;
    for (auto* hook : options.residual_hooks) hook->layer_input(l, past, hidden);
    decoder_layer(materializer.layer(l), context, workspace, buffers, layer_rows, rotary, cache,
                  hidden, attended);
    materializer.release(l);
    // Finite weights can still overflow float32; say where instead of returning NaN silently.
    // One scan of the bit patterns: torch::isfinite(hidden).all() took 3% of a forward.
    if (first_nonfinite_layer < 0 && first_nonfinite(hidden) >= 0) {
      first_nonfinite_layer = l;
    }
  }
  if (first_nonfinite_layer >= 0) {
    logger().warn(
        "{}: the forward produced NaN or Inf from layer {} of {} on (a float32 overflow?): its "
        "logits and attention are not meaningful",
        directory_.string(), first_nonfinite_layer, config.num_layers);
  }
  for (auto* hook : options.residual_hooks) hook->layer_input(config.num_layers, past, hidden);
  for (auto* observer : options.observers) observer->end_forward();

  ForwardResult result;
  auto final_hidden = norm(config, hidden, weights.final_norm_weight, weights.final_norm_bias);
  if (options.compute_logits) {
    // The LM head is the largest matmul of a short model's forward ([T, D] x [D, V]); generation
    // needs only the last position's row.
    auto rows = options.last_logits_only ? final_hidden.narrow(1, T - 1, 1) : final_hidden;
    result.logits = lm_head_logits(weights, rows);
    if (config.final_logit_softcap > 0) {  // Gemma: cap·tanh(logits / cap)
      const double cap = config.final_logit_softcap;
      result.logits = options.enable_grad ? (result.logits / cap).tanh() * cap
                                          : result.logits.div_(cap).tanh_().mul_(cap);
    }
    if (single) result.logits = result.logits.squeeze(0);
  }
  if (options.return_hidden) result.hidden = single ? final_hidden.squeeze(0) : final_hidden;
  return result;
}

}  // namespace sentlens
