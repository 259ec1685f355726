// Private: the loaded weights in the one internal layout every family is mapped onto, kept in the
// checkpoint's dtype (resident) or mapped from it (streamed), and materialised in float32 one layer
// at a time by the forward pass.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "model/rope.h"
#include "sentlens/io/safetensors.h"
#include "sentlens/model/config.h"
#include "sentlens/model/model.h"

namespace sentlens {

/// The two matrices of a gated MLP (one expert of a mixture, or a shared expert).
struct ExpertWeights {
  torch::Tensor gate_up_weight;  // [2·I, D]: gate rows then up rows
  torch::Tensor down_weight;     // [D, I]
};

/// One transformer block. Linear weights are [out, in] (torch's convention); GPT-2's Conv1D
/// weights are transposed. Undefined tensors mean "absent" (no bias, no q/k norm, no input norm).
/// Vectors (norms, biases, routers) are float32; the matrices (matrix_slots()) are float32 when the
/// forward uses them, and in the stored dtype in ModelWeights::layers of a resident model.
struct LayerWeights {
  torch::Tensor attn_norm_weight, attn_norm_bias;  // [D]; undefined without input norms (OLMo 2)
  torch::Tensor attn_out_norm_weight;              // [D]: norm of the attention output (Gemma)
  // Standard attention: [(H + 2·KVH)·Dh, D], q, k, v stacked for one matmul. Latent attention:
  // [(q_lora_rank or H·Dh) + kv_lora_rank + rotary_dim, D]: q_a (or q), kv_a, the shared k_rope.
  torch::Tensor qkv_weight, qkv_bias;
  torch::Tensor q_a_norm_weight, kv_a_norm_weight;  // latent attention: [q_lora_rank], [kv_lora]
  torch::Tensor q_b_weight;   // latent attention: [H·Dh, q_lora_rank]; undefined without q LoRA
  torch::Tensor kv_b_weight;  // latent attention: [H·(nope + Dv), kv_lora_rank]
  torch::Tensor o_weight, o_bias;              // [D, H·Dv]
  torch::Tensor q_norm_weight, k_norm_weight;  // [Dh] per head, or [H·Dh] / [KVH·Dh] (OLMo 2)
  torch::Tensor mlp_norm_weight, mlp_norm_bias;
  torch::Tensor mlp_out_norm_weight;           // [D]: norm of the MLP output (Gemma, OLMo 2)
  torch::Tensor gate_up_weight, gate_up_bias;  // gated: [2·I, D] gate then up; plain: up [I, D]
  torch::Tensor down_weight, down_bias;        // [D, I]
  // Mixture of experts (undefined / empty in dense layers).
  torch::Tensor router_weight;         // [E, D] float32
  torch::Tensor router_bias;           // [E]: DeepSeek's e_score_correction_bias (choice only)
  std::vector<ExpertWeights> experts;  // [E]
  ExpertWeights shared_expert;         // undefined without one
  torch::Tensor shared_expert_gate;    // [1, D] float32 (Qwen2-MoE)
};

/// Every matrix slot of a layer in a fixed order (defined or not): what is stored in the
/// checkpoint's dtype or streamed, and materialised in float32 one layer at a time.
std::vector<torch::Tensor*> matrix_slots(LayerWeights& layer);

/// A matrix of the internal layout as the checkpoint holds it: parts stacked along dim 0 (q, k, v
/// or gate, up), each a view of the mapped file, transposed where the checkpoint stores [in, out].
struct StreamedMatrix {
  struct Part {
    torch::Tensor stored;  // view of the mapping, in the stored dtype
    bool transposed = false;
    std::string where;  // "FILE: tensor \"NAME\"", for the non-finite check's message
  };
  std::vector<Part> parts;  // empty: the slot is absent in this layer
  std::int64_t rows = 0, cols = 0;
};

/// The matrices of one layer of a streamed model, parallel to matrix_slots(); everything else is
/// in LayerWeights.
struct StreamedLayer {
  std::vector<StreamedMatrix> matrices;
};

struct ModelWeights {
  torch::Tensor token_embedding;     // [V, D], stored dtype (a view of the mapping when streamed)
  torch::Tensor position_embedding;  // [P, D] float32 (GPT-2) or undefined
  torch::Tensor final_norm_weight, final_norm_bias;
  torch::Tensor lm_head;     // [V, D], stored dtype; the same tensor as token_embedding when tied
  RotaryFrequencies rotary;  // RoPE families
  std::vector<LayerWeights> layers;     // resident: matrices in the stored dtype; streamed: vectors
  std::vector<StreamedLayer> streamed;  // streamed models only: the matrices, mapped
  std::vector<std::shared_ptr<const SafetensorsFile>> mapped_files;  // kept open when streamed
  std::string stored_dtypes;                                         // e.g. "F32" or "BF16"
  std::int64_t parameter_count = 0;
  std::int64_t resident_bytes = 0;       // bytes held in memory between forwards
  std::int64_t layer_float32_bytes = 0;  // largest layer's matrices in float32
};

/// Loads and checks every tensor the config requires from `store` onto `device`: resident (copied,
/// in the stored dtype) or streamed (mapped; CPU only). Throws FormatError naming the checkpoint
/// and the tensor (missing, wrong shape, wrong dtype).
ModelWeights load_weights(const TensorStore& store, const ModelConfig& config, torch::Device device,
                          bool streamed);

/// Bytes of the tensors the config would load from `store`, in their stored dtypes.
std::int64_t stored_weight_bytes(const TensorStore& store);

/// Hands the forward pass each layer's weights in float32, reusing one set of float32 buffers for
/// every layer (a fresh 100 MB matrix per layer would be page-faulted in each time). Float32
/// resident weights are handed out as they are, without a copy.
class LayerMaterializer {
 public:
  LayerMaterializer(const ModelWeights& weights, torch::Device device);
  /// Layer `l` in float32; valid until the next call.
  const LayerWeights& layer(std::int64_t l);
  /// Drops the mapped pages of streamed layer `l` (a no-op for resident weights).
  void release(std::int64_t l) const;

 private:
  torch::Tensor materialize(const torch::Tensor& stored, torch::Tensor& buffer);
  torch::Tensor materialize(const StreamedMatrix& matrix, torch::Tensor& buffer);

  const ModelWeights& weights_;
  torch::Device device_;
  LayerWeights current_;
  std::vector<torch::Tensor> buffers_;  // float32, one per matrix slot, sized on first use
};

/// Logits [N, T, V] = hidden [N, T, D] · lm_headᵀ in float32, the head converted in slices of the
/// vocabulary when it is stored in another dtype (so that a float32 copy of a 128k x 4096 head is
/// never held whole); streamed slices are released after use.
torch::Tensor lm_head_logits(const ModelWeights& weights, const torch::Tensor& hidden);

}  // namespace sentlens
