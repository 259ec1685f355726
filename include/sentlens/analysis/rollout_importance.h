// Thought Anchors' black-box sentence importance from rollouts (Bogdan et al. 2025, §3;
// metrics.md §1.9): resampling, counterfactual and forced-answer importance per sentence, and the
// sentence-to-sentence counterfactual matrix of `step_attribution.py`, computed from rollout
// folders made here or by the original code, with the original's quirks (see each field).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sentlens/io/rollout_folder.h"
#include "sentlens/io/sentence_embeddings.h"

namespace sentlens {

struct RolloutImportanceOptions {
  /// A resampled sentence whose cosine to the removed one is below this is "different"
  /// (original `--similarity_threshold`, 0.8); also the step matrix's match threshold.
  double similarity_threshold = 0.8;
  /// |·| of the accuracy differences (original `--absolute`).
  bool absolute = false;
  /// Rows of the step matrix: the first this many labeled sentences (original `max_chunks`).
  std::int64_t step_matrix_max_chunks = 50;
};

/// The metrics of one sentence (chunk), named as the original names them.
struct ChunkImportance {
  std::int64_t chunk_index = 0;
  /// Accuracy of the rollouts resampled from this sentence; absent without a solutions.json.
  std::optional<double> accuracy;
  /// acc(folder i+1) - acc(folder i): exactly i+1, 0 when either is missing.
  double resampling_importance_accuracy = 0.0;
  /// KL(answers of folder i || answers of folder next(i)), next(i) = the next folder with rollouts.
  double resampling_importance_kl = 0.0;
  /// acc(rollouts whose resampled sentence is different) - acc(folder next(i)).
  double counterfactual_importance_accuracy = 0.0;
  /// KL(different || folder next(i) pooled with the similar ones).
  double counterfactual_importance_kl = 0.0;
  double different_trajectories_fraction = 0.0;
  /// 1 - unique resampled sentences / resampled sentences.
  double overdeterminedness = 0.0;
  /// Forced-answer metrics, present when forced rollouts were given.
  std::optional<double> forced_importance_accuracy;
  std::optional<double> forced_importance_kl;
  /// Rollouts in chunk_<i>/solutions.json.
  std::int64_t rollouts = 0;
};

/// step_attribution.py's matrix: importance[i][j] (i < j) = match rate of sentence j in folder
/// i+1 - match rate in folder i, where a rollout matches when one of its steps (split by the
/// reference splitter) has cosine >= threshold to sentence j. [QUIRK] Rows are the labeled
/// sentences in file order, and row i reads folders chunk_<i> and chunk_<i+1> by row number,
/// not by the sentence's chunk_idx (they differ once a folder is missing).
struct StepImportanceMatrix {
  std::vector<std::int64_t> chunk_index_by_row;
  std::vector<double> importance;  // rows x rows, row-major
  std::vector<double> outgoing;    // mean of importance[i][j > i] (0 for the last row)
  std::vector<double> incoming;    // mean of importance[i < j][j] (0 for the first)
  std::vector<double> combined;    // outgoing + incoming
  std::size_t rows() const { return chunk_index_by_row.size(); }
  double at(std::size_t i, std::size_t j) const { return importance[i * rows() + j]; }
};

struct RolloutImportance {
  std::string problem;                     // the problem folder's name
  std::string directory;                   // the problem folder
  std::vector<std::string> chunks;         // chunks.json `chunks`: chunk i is sentence i
  std::vector<ChunkImportance> per_chunk;  // the labeled sentences, in file order
  /// Intermediates under the original's names: accuracy per folder, forced accuracy per valid
  /// sentence (0 where the folder is missing), normalised answer counts per folder.
  std::map<std::int64_t, double> chunk_accuracies;
  std::map<std::int64_t, double> forced_answer_accuracies;
  std::map<std::int64_t, std::map<std::string, std::int64_t>> chunk_answers;
  StepImportanceMatrix step_matrix;
  bool forced = false;
  double similarity_threshold = 0.8;
  std::string embeddings;  // which embeddings were used (their file)
  std::vector<std::string> warnings;
};

/// Computes every per-sentence metric and the step matrix of `problem`, with forced-answer
/// rollouts when `forced` is given. Sentences shorter than 4 characters are skipped as the
/// original skips them; without chunks_labeled.json every other sentence with a folder is
/// analysed. Throws InputError when an embedding is missing (naming the file, folder and entry)
/// or when fewer than 10% of the sentences have rollouts.
RolloutImportance compute_rollout_importance(
    const RolloutProblem& problem, const std::map<std::int64_t, RolloutChunkFolder>* forced,
    const SentenceEmbeddings& embeddings, const RolloutImportanceOptions& options = {});

/// The analysed sentences' chunk indices ordered by `metric` (e.g.
/// &ChunkImportance::counterfactual_importance_kl), highest first; ties keep sentence order.
std::vector<std::int64_t> sentences_by_importance(const RolloutImportance& importance,
                                                  double ChunkImportance::*metric);

/// Every sentence compute_rollout_importance may look up an embedding for (a superset): the
/// sentences, every chunk_removed / chunk_resampled, and every step of the rollouts of the folders
/// the step matrix reads.
std::vector<std::string> rollout_sentences(const RolloutProblem& problem,
                                           const RolloutImportanceOptions& options = {});

/// KL divergence of two answer distributions as the original `calculate_kl_divergence` computes
/// it: counts of normalize_answer(answer) (empty ones skipped), alpha = 1e-9 smoothing over the
/// union, clipped at 0; 0 when either side has no answer.
double answer_distribution_kl(const std::vector<std::string>& answers,
                              const std::vector<std::string>& reference_answers);

/// The result as JSON text: `per_chunk` keyed by chunk index with the original's metric names,
/// `step_matrix` rows, and the intermediates (schema in docs/cli.md, `sentlens importance`).
std::string rollout_importance_json(const RolloutImportance& importance, int indent = 2);

}  // namespace sentlens
