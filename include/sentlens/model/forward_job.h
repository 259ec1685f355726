// The `sentlens forward` job: tokenize (or take ids), run the model, save the outputs in the
// layout of the golden files (`ids`, `logits`, `hidden`, `attentions`).
#pragma once

#include "sentlens/model/model.h"
#include "sentlens/model/model_source.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sentlens {

struct ForwardJob {
  ModelSource model;                // checkpoint folder, tokenizer, device, threads, weights mode
  std::optional<std::string> text;  // text to tokenize with the checkpoint's tokenizer, or ...
  std::vector<std::int64_t> ids;    // ... token ids given directly
  bool add_bos = true;              // add the tokenizer's BOS (text input only)
  bool save_logits = true;          // `logits` F32 [T, V]
  bool save_hidden = false;         // `hidden` F32 [T, D], after the final norm
  bool save_attention = false;      // `attentions` F32 [L, H, T, T]: grows as T², for small inputs
  ForwardSettings forward;          // block size, positions past max_position_embeddings
  std::filesystem::path out;        // safetensors file to write
  std::function<void(const std::string&)> on_progress;  // progress lines (loading, each layer)
};

/// One candidate next token.
struct NextToken {
  std::int64_t id = 0;
  std::string piece;  // empty when the checkpoint has no tokenizer
  double probability = 0;
};

struct ForwardSummary {
  std::vector<std::int64_t> ids;
  std::vector<NextToken> top_next;  // top-5 at the last position
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> saved;  // name, shape
  double load_seconds = 0;
  double forward_seconds = 0;
  double write_seconds = 0;
  int threads = 0;
};

/// Runs the job; throws sentlens::Error subclasses naming the input and the problem.
ForwardSummary run_forward_job(const ForwardJob& job);

}  // namespace sentlens
