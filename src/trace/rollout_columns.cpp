#include "sentlens/trace/rollout_columns.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "sentlens/error.h"
#include "sentlens/io/atomic_file.h"
#include "text/python_text.h"
#include "util/check.h"

namespace sentlens {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Sentences compare with whitespace runs collapsed and the ends stripped: the original's chunks are
// stripped, trace spans keep their trailing whitespace.
std::string comparable(std::string_view text) {
  return text_detail::encode_utf8(
      text_detail::strip(text_detail::collapse_spaces(text_detail::decode_utf8(text))));
}

std::string excerpt(const std::string& text) {
  return text.size() <= 60 ? text : text.substr(0, 57) + "...";
}

// One row per stored column: its name (the original's) and where its value comes from.
struct RolloutColumn {
  const char* name;
  double (*value)(const ChunkImportance& chunk);
};

constexpr RolloutColumn kRolloutColumns[] = {
    {"accuracy", [](const ChunkImportance& c) { return c.accuracy.value_or(kNaN); }},
    {"resampling_importance_accuracy",
     [](const ChunkImportance& c) { return c.resampling_importance_accuracy; }},
    {"resampling_importance_kl",
     [](const ChunkImportance& c) { return c.resampling_importance_kl; }},
    {"counterfactual_importance_accuracy",
     [](const ChunkImportance& c) { return c.counterfactual_importance_accuracy; }},
    {"counterfactual_importance_kl",
     [](const ChunkImportance& c) { return c.counterfactual_importance_kl; }},
    {"different_trajectories_fraction",
     [](const ChunkImportance& c) { return c.different_trajectories_fraction; }},
    {"overdeterminedness", [](const ChunkImportance& c) { return c.overdeterminedness; }},
    {"forced_importance_accuracy",
     [](const ChunkImportance& c) { return c.forced_importance_accuracy.value_or(kNaN); }},
    {"forced_importance_kl",
     [](const ChunkImportance& c) { return c.forced_importance_kl.value_or(kNaN); }},
};

}  // namespace

const std::vector<std::string>& rollout_metric_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const RolloutColumn& column : kRolloutColumns) out.emplace_back(column.name);
    return out;
  }();
  return names;
}

void attach_rollout_importance(Trace& trace, const RolloutImportance& importance) {
  const std::int64_t S = trace.num_sentences();
  SENTLENS_CHECK(static_cast<std::int64_t>(importance.chunks.size()) == S, InputError,
                 "the trace has {} sentences and the rollouts of {} {} chunks: make the trace from "
                 "the rollouts' chunks.json (sentlens trace --json-trace PROBLEM/chunks.json)",
                 S, importance.problem, importance.chunks.size());
  for (std::int64_t s = 0; s < S; ++s) {
    const std::string sentence =
        comparable(sentence_text(trace.text, trace.sentences[static_cast<std::size_t>(s)]));
    const std::string chunk = comparable(importance.chunks[static_cast<std::size_t>(s)]);
    SENTLENS_CHECK(sentence == chunk, InputError,
                   "sentence {} of the trace (\"{}\") is not chunk {} of the rollouts (\"{}\"): "
                   "make the trace from the rollouts' chunks.json (sentlens trace --json-trace "
                   "PROBLEM/chunks.json)",
                   s, excerpt(sentence), s, excerpt(chunk));
  }
  const auto& names = rollout_metric_names();
  const std::size_t M = names.size();
  const auto rows = static_cast<std::size_t>(S);
  trace.rollout_metrics = names;
  trace.rollout_importance.assign(rows * M, kNaN);
  for (const ChunkImportance& chunk : importance.per_chunk) {
    const auto row = trace.rollout_importance.begin() +
                     static_cast<std::ptrdiff_t>(static_cast<std::size_t>(chunk.chunk_index) * M);
    std::transform(std::begin(kRolloutColumns), std::end(kRolloutColumns), row,
                   [&chunk](const RolloutColumn& column) { return column.value(chunk); });
  }
  trace.step_importance.assign(rows * rows, kNaN);
  const StepImportanceMatrix& matrix = importance.step_matrix;
  for (std::size_t i = 0; i < matrix.rows(); ++i) {
    for (std::size_t j = 0; j < matrix.rows(); ++j) {
      const auto row = static_cast<std::size_t>(matrix.chunk_index_by_row[i]);
      const auto column = static_cast<std::size_t>(matrix.chunk_index_by_row[j]);
      trace.step_importance[row * rows + column] = matrix.at(i, j);
    }
  }
  trace.rollout_source = importance.directory;
  trace.rollout_embeddings = importance.embeddings;
}

void add_rollout_importance_to_trace(const std::filesystem::path& path,
                                     const RolloutImportance& importance) {
  Trace trace = read_trace(path);
  attach_rollout_importance(trace, importance);
  forget_input_file(path);  // the importance is added to the trace it belongs to, on purpose
  write_trace(trace, path);
}

double rollout_value(const Trace& trace, std::int64_t sentence, const std::string& name) {
  const auto found = std::find(trace.rollout_metrics.begin(), trace.rollout_metrics.end(), name);
  if (found == trace.rollout_metrics.end() || sentence < 0 || sentence >= trace.num_sentences()) {
    return kNaN;
  }
  const auto column = static_cast<std::size_t>(found - trace.rollout_metrics.begin());
  return trace
      .rollout_importance[static_cast<std::size_t>(sentence) * trace.rollout_metrics.size() +
                          column];
}

}  // namespace sentlens
