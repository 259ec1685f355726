// The `sentlens suppress` job: load a checkpoint, take token ids and sentence token ranges, compute
// the suppression matrix, and write it (golden layout) and the thought-anchors.com export.
#pragma once

#include "sentlens/model/model.h"
#include "sentlens/model/model_source.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sentlens/suppression/suppression.h"
#include "sentlens/trace/trace.h"

namespace sentlens {

struct SuppressionJob {
  ModelSource model;                  // checkpoint folder, tokenizer, device, threads, weights mode
  std::filesystem::path trace;        // a trace file: its tokens and sentences are used and the
                                      // matrix is added to it as `suppression_kl`, or ...
  std::optional<std::string> text;    // ... a text to tokenize, split and align, or ...
  TraceParameters alignment;          // ... how (its split and add_bos) for a text
  std::vector<std::string> chunks;    // the text's sentences given (a data set's `chunks`); empty
                                      // = split the text
  std::vector<std::int64_t> ids;      // ... the model input given directly
  std::vector<TokenRange> sentences;  // with the token ranges of its sentences
  SuppressionOptions options;
  std::filesystem::path out;  // optional: `kl_matrix` F64 [S, S], `token_kl` F64 [S, T]
  std::filesystem::path thought_anchors_json;  // optional: step_importance_supp.json layout
};

struct SuppressionJobResult {
  SuppressionResult matrix;
  std::vector<std::string> sentence_texts;  // for a text input: each sentence's text
};

/// Runs the job; throws sentlens::Error subclasses naming the input and the problem.
SuppressionJobResult run_suppression_job(const SuppressionJob& job);

}  // namespace sentlens
