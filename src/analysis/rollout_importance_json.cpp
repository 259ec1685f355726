// rollout_importance_json: the importance result under the original code's names.

#include <nlohmann/json.hpp>

#include "io/json_number.h"
#include "sentlens/analysis/rollout_importance.h"

namespace sentlens {
namespace {

using Json = nlohmann::ordered_json;

Json numbers(const std::vector<double>& values) {
  Json out = Json::array();
  for (double value : values) out.push_back(json_number(value));
  return out;
}

Json by_chunk(const std::map<std::int64_t, double>& values) {
  Json out = Json::object();
  for (const auto& [index, value] : values) out[std::to_string(index)] = json_number(value);
  return out;
}

}  // namespace

std::string rollout_importance_json(const RolloutImportance& importance, int indent) {
  Json json;
  json["problem"] = importance.problem;
  json["similarity_threshold"] = importance.similarity_threshold;
  json["embeddings"] = importance.embeddings;
  json["forced"] = importance.forced;
  Json per_chunk = Json::object();
  for (const ChunkImportance& chunk : importance.per_chunk) {
    Json metrics;
    metrics["accuracy"] = chunk.accuracy ? json_number(*chunk.accuracy) : Json(nullptr);
    metrics["resampling_importance_accuracy"] = json_number(chunk.resampling_importance_accuracy);
    metrics["resampling_importance_kl"] = json_number(chunk.resampling_importance_kl);
    metrics["counterfactual_importance_accuracy"] =
        json_number(chunk.counterfactual_importance_accuracy);
    metrics["counterfactual_importance_kl"] = json_number(chunk.counterfactual_importance_kl);
    metrics["different_trajectories_fraction"] = json_number(chunk.different_trajectories_fraction);
    metrics["overdeterminedness"] = json_number(chunk.overdeterminedness);
    if (chunk.forced_importance_accuracy) {
      metrics["forced_importance_accuracy"] = json_number(*chunk.forced_importance_accuracy);
    }
    if (chunk.forced_importance_kl) {
      metrics["forced_importance_kl"] = json_number(*chunk.forced_importance_kl);
    }
    metrics["rollouts"] = chunk.rollouts;
    per_chunk[std::to_string(chunk.chunk_index)] = std::move(metrics);
  }
  json["per_chunk"] = std::move(per_chunk);

  const StepImportanceMatrix& matrix = importance.step_matrix;
  Json rows = Json::array();
  for (std::size_t i = 0; i < matrix.rows(); ++i) {
    Json row = Json::array();
    for (std::size_t j = 0; j < matrix.rows(); ++j) row.push_back(json_number(matrix.at(i, j)));
    rows.push_back(std::move(row));
  }
  json["step_matrix"] = std::move(rows);
  json["step_matrix_chunk_idx"] = matrix.chunk_index_by_row;
  json["outgoing_importance"] = numbers(matrix.outgoing);
  json["incoming_importance"] = numbers(matrix.incoming);
  json["combined_importance"] = numbers(matrix.combined);

  json["chunk_accuracies"] = by_chunk(importance.chunk_accuracies);
  if (importance.forced) {
    json["forced_answer_accuracies"] = by_chunk(importance.forced_answer_accuracies);
  }
  Json answers = Json::object();
  for (const auto& [index, counts] : importance.chunk_answers) {
    Json folder = Json::object();
    for (const auto& [answer, count] : counts) folder[answer] = count;
    answers[std::to_string(index)] = std::move(folder);
  }
  json["chunk_answers"] = std::move(answers);
  json["warnings"] = importance.warnings;
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sentlens
