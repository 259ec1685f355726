// Training the demo model: a small Llama trained with AdamW through sentlens' own forward pass
// (Model::forward with autograd enabled).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "sentlens/model/config.h"

namespace sentlens::demo {

struct TrainOptions {
  std::filesystem::path data_dir;   // train.jsonl / heldout.jsonl from generate_corpus
  std::filesystem::path model_dir;  // holds tokenizer.model; receives config.json + weights
  std::uint64_t seed = 1;
  std::int64_t steps = 3000;
  std::int64_t batch_size = 16;  // traces per step
  double learning_rate = 4e-3;   // peak; linear warm-up, cosine decay to 10%
  std::int64_t warmup_steps = 50;
  double weight_decay = 0.1;  // on matrices only
  double grad_clip = 1.0;
  // Loss weight of the answer sentence's tokens (and EOS); the problem before <think> has weight 0
  // and the other reasoning tokens 1 (see encode_all in train.cpp).
  double answer_loss_weight = 3.0;
  // One intra-op thread is faster for matrices this small (measured on 2 cores: 2,829 vs 1,700
  // tokens/s with 2 threads).
  int threads = 1;
  std::int64_t log_every = 10;
  // Architecture (Llama: RMSNorm, SwiGLU, RoPE, GQA, tied embeddings).
  std::int64_t hidden_size = 144;
  std::int64_t num_layers = 4;
  std::int64_t num_heads = 4;
  std::int64_t num_kv_heads = 2;
  std::int64_t intermediate_size = 416;
  std::int64_t max_positions = 256;
};

struct TrainSummary {
  std::int64_t parameters = 0;
  std::int64_t steps = 0;
  std::int64_t tokens = 0;  // loss-bearing (weight > 0) tokens seen
  double seconds = 0;
  double tokens_per_second = 0;
  double final_loss = 0;     // mean training loss (weighted, see answer_loss_weight), last 50 steps
  double held_out_loss = 0;  // the same loss over 200 held-out traces
};

/// The demo model's config for a tokenizer of `vocab_size` ids (BOS 1, EOS 2).
ModelConfig demo_config(const TrainOptions& options, std::int64_t vocab_size);

/// Trains and saves the model (float32) to options.model_dir; writes the per-step losses to
/// options.data_dir/training_log.csv and the summary to options.data_dir/training.json. Prints a
/// progress line to stderr every log_every steps.
TrainSummary train_model(const TrainOptions& options);

}  // namespace sentlens::demo
