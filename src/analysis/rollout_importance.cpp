// Resampling, counterfactual and forced-answer importance from rollout folders, and the
// sentence-to-sentence matrix (Thought Anchors, metrics.md §1.9). Every branch mirrors one of
// `analyze_rollouts.py` (analyze_problem, process_chunk_importance and the calculate_* functions)
// or `step_attribution.py` (compute_step_importance_matrix); comments name the quirks kept.
#include "sentlens/analysis/rollout_importance.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "sentlens/error.h"
#include "sentlens/text/boxed_answers.h"
#include "sentlens/text/splitter.h"
#include "util/check.h"

namespace sentlens {
namespace {

// calculate_kl_divergence's smoothing (laplace_smooth=False).
constexpr double kKlAlpha = 1e-9;

// np.dot(a, b) / (norm(a) * norm(b)); NaN for a zero vector, which then compares false both
// ways, as the original's NaN does.
double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0.0, norm_a = 0.0, norm_b = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    norm_a += static_cast<double>(a[i]) * a[i];
    norm_b += static_cast<double>(b[i]) * b[i];
  }
  return dot / (std::sqrt(norm_a) * std::sqrt(norm_b));
}

// normalize_answer is called on every answer several times; remember the results.
class Normalizer {
 public:
  const std::string& operator()(const std::string& answer) {
    auto found = cache_.find(answer);
    if (found == cache_.end()) found = cache_.emplace(answer, normalize_answer(answer)).first;
    return found->second;
  }

 private:
  std::unordered_map<std::string, std::string> cache_;
};

// The accuracy every function of the original computes: correct = is_correct is True and the
// answer is non-empty, over those whose is_correct is not None and whose answer is non-empty.
template <typename Record>
const Record& record_of(const Record& record) {
  return record;
}
template <typename Record>
const Record& record_of(const Record* record) {
  return *record;
}

template <typename Records>
double accuracy(const Records& records) {
  std::int64_t correct = 0, total = 0;
  for (const auto& item : records) {
    const auto& record = record_of(item);
    if (record.answer.empty() || !record.is_correct.has_value()) continue;
    ++total;
    if (*record.is_correct) ++correct;
  }
  return total > 0 ? static_cast<double>(correct) / static_cast<double>(total) : 0.0;
}

// analyze_problem's chunk_info entry: rollouts whose raw answer is neither "" nor "None", with
// the answer normalised once.
struct InfoRecord {
  std::optional<std::string> chunk_removed, chunk_resampled;
  std::optional<bool> is_correct;
  std::string answer;
  std::size_t entry = 0;  // index in solutions.json, for messages
};

// The smallest key of `map` above `index`.
template <typename Map>
std::optional<std::int64_t> next_key(const Map& map, std::int64_t index) {
  const auto found = map.upper_bound(index);
  if (found == map.end()) return std::nullopt;
  return found->first;
}

std::int64_t code_points(const std::string& text) {
  std::int64_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

double signed_or_absolute(double value, const RolloutImportanceOptions& options) {
  return options.absolute ? std::fabs(value) : value;
}

std::vector<std::string> answers_of(const std::vector<RolloutRecord>& records) {
  std::vector<std::string> answers;
  answers.reserve(records.size());
  for (const RolloutRecord& record : records) answers.push_back(record.answer);
  return answers;
}

std::string entry_context(const RolloutChunkFolder& folder, std::size_t entry, const char* field) {
  return fmt::format("`{}` of {} entry {}", field, folder.solutions_file.string(), entry);
}

// normalize_answer of each (already normalised) answer, empty ones left out.
std::vector<std::string> renormalised_answers(const std::vector<const InfoRecord*>& records,
                                              Normalizer& normalize) {
  std::vector<std::string> answers;
  for (const InfoRecord* record : records) {
    const std::string& answer = normalize(record->answer);
    if (!answer.empty()) answers.push_back(answer);
  }
  return answers;
}

// calculate_counterfactual_importance_accuracy and _kl for one sentence.
void counterfactual_importance(std::int64_t index,
                               const std::map<std::int64_t, std::vector<InfoRecord>>& chunk_info,
                               const RolloutProblem& problem, const SentenceEmbeddings& embeddings,
                               const RolloutImportanceOptions& options, Normalizer& normalize,
                               ChunkImportance& out) {
  const auto current = chunk_info.find(index);
  if (current == chunk_info.end()) return;
  const auto next = next_key(chunk_info, index);
  if (!next) return;
  const std::vector<InfoRecord>& next_records = chunk_info.at(*next);
  const RolloutChunkFolder& folder = problem.folders.at(index);

  std::vector<const InfoRecord*> different, similar;
  std::vector<std::string> resampled_sentences;
  for (const InfoRecord& record : current->second) {
    if (!record.chunk_removed || !record.chunk_resampled) continue;
    const double similarity = cosine(
        embeddings.at(*record.chunk_removed, entry_context(folder, record.entry, "chunk_removed")),
        embeddings.at(*record.chunk_resampled,
                      entry_context(folder, record.entry, "chunk_resampled")));
    (similarity < options.similarity_threshold ? different : similar).push_back(&record);
    resampled_sentences.push_back(*record.chunk_resampled);
  }
  const std::size_t rollouts = current->second.size();
  out.different_trajectories_fraction =
      rollouts > 0 ? static_cast<double>(different.size()) / static_cast<double>(rollouts) : 0.0;
  const std::set<std::string> unique(resampled_sentences.begin(), resampled_sentences.end());
  out.overdeterminedness = resampled_sentences.empty()
                               ? 0.0
                               : 1.0 - static_cast<double>(unique.size()) /
                                           static_cast<double>(resampled_sentences.size());
  if (different.empty() || next_records.empty()) return;

  out.counterfactual_importance_accuracy =
      signed_or_absolute(accuracy(different) - accuracy(next_records), options);

  // [QUIRK] chunk_info's answers are normalised already; the KL path normalises them again when
  // it builds the answer lists and a third time inside calculate_kl_divergence. The lists below
  // hold the twice-normalised answers; answer_distribution_kl applies the third.
  std::vector<const InfoRecord*> next_pointers;
  for (const InfoRecord& record : next_records) next_pointers.push_back(&record);
  const std::vector<std::string> different_answers = renormalised_answers(different, normalize);
  std::vector<std::string> pooled = renormalised_answers(next_pointers, normalize);
  // use_similar_chunks = True: the similar rollouts are pooled with the next folder.
  const std::vector<std::string> similar_answers = renormalised_answers(similar, normalize);
  pooled.insert(pooled.end(), similar_answers.begin(), similar_answers.end());
  out.counterfactual_importance_kl = answer_distribution_kl(different_answers, pooled);
}

// compute_step_importance_matrix.
StepImportanceMatrix step_matrix(const RolloutProblem& problem,
                                 const std::vector<LabeledChunk>& rows_in,
                                 const SentenceEmbeddings& embeddings,
                                 const RolloutImportanceOptions& options) {
  std::vector<LabeledChunk> rows = rows_in;
  if (static_cast<std::int64_t>(rows.size()) > options.step_matrix_max_chunks) {
    rows.resize(static_cast<std::size_t>(options.step_matrix_max_chunks));
  }
  const std::size_t count = rows.size();
  StepImportanceMatrix matrix;
  matrix.importance.assign(count * count, 0.0);
  matrix.outgoing.assign(count, 0.0);
  matrix.incoming.assign(count, 0.0);
  matrix.combined.assign(count, 0.0);
  for (const LabeledChunk& row : rows) matrix.chunk_index_by_row.push_back(row.chunk_index);

  // Each folder's rollouts (non-empty `rollout` only) as the embeddings of their steps, read by
  // row number [QUIRK], split by the original splitter.
  struct FolderSteps {
    std::vector<std::vector<const std::vector<float>*>> rollouts;
    std::size_t steps = 0;
  };
  SplitOptions split;
  split.profile = Profile::kReference;
  std::vector<FolderSteps> folders(count);
  for (std::size_t index = 0; index < count; ++index) {
    const auto folder = problem.folders.find(static_cast<std::int64_t>(index));
    if (folder == problem.folders.end()) continue;
    const auto& records = folder->second.records;
    for (std::size_t entry = 0; entry < records.size(); ++entry) {
      if (records[entry].rollout.empty()) continue;
      std::vector<const std::vector<float>*> steps;
      const SplitResult result = split_sentences(records[entry].rollout, split);
      for (std::size_t s = 0; s < result.chunks.size(); ++s) {
        steps.push_back(&embeddings.at(result.chunks[s],
                                       fmt::format("step {} of `rollout` of {} entry {}", s,
                                                   folder->second.solutions_file.string(), entry)));
      }
      folders[index].steps += steps.size();
      folders[index].rollouts.push_back(std::move(steps));
    }
  }
  const auto match_rate = [&](const FolderSteps& folder, const std::vector<float>& target) {
    std::size_t matched = 0;
    for (const auto& steps : folder.rollouts) {
      for (const std::vector<float>* step : steps) {
        const double similarity = cosine(target, *step);
        if (similarity >= options.similarity_threshold && similarity > 0.0) {
          ++matched;
          break;
        }
      }
    }
    return folder.rollouts.empty()
               ? 0.0
               : static_cast<double>(matched) / static_cast<double>(folder.rollouts.size());
  };
  // Folder f's rate for sentence j is needed twice (row f - 1 keeps it, row f removes it): each
  // is computed once, as is each sentence's embedding lookup.
  std::vector<const std::vector<float>*> targets(count, nullptr);
  const auto target_of = [&](std::size_t j) -> const std::vector<float>& {
    if (targets[j] == nullptr) {
      targets[j] = &embeddings.at(
          rows[j].text,
          fmt::format("sentence {} of {}", rows[j].chunk_index,
                      problem.has_labeled_file ? "chunks_labeled.json" : "chunks.json"));
    }
    return *targets[j];
  };
  std::vector<std::optional<double>> rates(count * count);
  const auto rate = [&](std::size_t folder, std::size_t j) {
    auto& known = rates[folder * count + j];
    if (!known) known = match_rate(folders[folder], target_of(j));
    return *known;
  };
  for (std::size_t i = 0; i + 1 < count; ++i) {
    // Resampled from i + 1: sentence i kept; resampled from i: sentence i removed.
    if (folders[i + 1].steps == 0 || folders[i].steps == 0) continue;
    for (std::size_t j = i + 1; j < count; ++j) {
      matrix.importance[i * count + j] = rate(i + 1, j) - rate(i, j);
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    double sum = 0.0;
    for (std::size_t j = i + 1; j < count; ++j) sum += matrix.importance[i * count + j];
    matrix.outgoing[i] = i + 1 < count ? sum / static_cast<double>(count - i - 1) : 0.0;
    sum = 0.0;
    for (std::size_t r = 0; r < i; ++r) sum += matrix.importance[r * count + i];
    matrix.incoming[i] = i > 0 ? sum / static_cast<double>(i) : 0.0;
    matrix.combined[i] = matrix.outgoing[i] + matrix.incoming[i];
  }
  return matrix;
}

}  // namespace

double answer_distribution_kl(const std::vector<std::string>& answers,
                              const std::vector<std::string>& reference_answers) {
  std::map<std::string, std::int64_t> counts, reference_counts;
  for (const std::string& answer : answers) {
    std::string normalised = normalize_answer(answer);
    if (!normalised.empty()) ++counts[std::move(normalised)];
  }
  for (const std::string& answer : reference_answers) {
    std::string normalised = normalize_answer(answer);
    if (!normalised.empty()) ++reference_counts[std::move(normalised)];
  }
  if (counts.empty() || reference_counts.empty()) return 0.0;
  std::set<std::string> all;
  std::int64_t total = 0, reference_total = 0;
  for (const auto& [answer, count] : counts) {
    all.insert(answer);
    total += count;
  }
  for (const auto& [answer, count] : reference_counts) {
    all.insert(answer);
    reference_total += count;
  }
  const double vocabulary = static_cast<double>(all.size());
  const double smoothed_total = static_cast<double>(total) + kKlAlpha * vocabulary;
  const double smoothed_reference = static_cast<double>(reference_total) + kKlAlpha * vocabulary;
  double kl = 0.0;
  for (const std::string& answer : all) {
    const auto count = counts.find(answer);
    const auto reference = reference_counts.find(answer);
    const double p = (static_cast<double>(count == counts.end() ? 0 : count->second) + kKlAlpha) /
                     smoothed_total;
    const double q =
        (static_cast<double>(reference == reference_counts.end() ? 0 : reference->second) +
         kKlAlpha) /
        smoothed_reference;
    kl += p * std::log(p / q);
  }
  return std::max(0.0, kl);
}

std::vector<std::int64_t> sentences_by_importance(const RolloutImportance& importance,
                                                  double ChunkImportance::*metric) {
  std::vector<const ChunkImportance*> order;
  for (const ChunkImportance& chunk : importance.per_chunk) order.push_back(&chunk);
  std::stable_sort(
      order.begin(), order.end(),
      [&](const ChunkImportance* a, const ChunkImportance* b) { return a->*metric > b->*metric; });
  std::vector<std::int64_t> indices;
  for (const ChunkImportance* chunk : order) indices.push_back(chunk->chunk_index);
  return indices;
}

std::vector<std::string> rollout_sentences(const RolloutProblem& problem,
                                           const RolloutImportanceOptions& options) {
  std::set<std::string> sentences(problem.chunks.begin(), problem.chunks.end());
  for (const LabeledChunk& chunk : problem.labeled) sentences.insert(chunk.text);
  const std::size_t rows =
      problem.has_labeled_file ? problem.labeled.size() : problem.chunks.size();
  const auto step_folders =
      std::min<std::size_t>(rows, static_cast<std::size_t>(options.step_matrix_max_chunks));
  SplitOptions split;
  split.profile = Profile::kReference;
  for (const auto& [index, folder] : problem.folders) {
    for (const RolloutRecord& record : folder.records) {
      if (record.chunk_removed) sentences.insert(*record.chunk_removed);
      if (record.chunk_resampled) sentences.insert(*record.chunk_resampled);
      if (static_cast<std::size_t>(index) < step_folders && !record.rollout.empty()) {
        for (std::string& step : split_sentences(record.rollout, split).chunks) {
          sentences.insert(std::move(step));
        }
      }
    }
  }
  return {sentences.begin(), sentences.end()};
}

RolloutImportance compute_rollout_importance(
    const RolloutProblem& problem, const std::map<std::int64_t, RolloutChunkFolder>* forced,
    const SentenceEmbeddings& embeddings, const RolloutImportanceOptions& options) {
  SENTLENS_CHECK(options.similarity_threshold > 0.0 && options.similarity_threshold <= 1.0,
                 InputError, "similarity threshold must be in (0, 1], got {}",
                 options.similarity_threshold);
  SENTLENS_CHECK(options.step_matrix_max_chunks >= 0, InputError,
                 "step matrix sentence limit must be >= 0, got {}", options.step_matrix_max_chunks);
  RolloutImportance result;
  result.problem = problem.name;
  result.directory = problem.directory.string();
  result.chunks = problem.chunks;
  result.similarity_threshold = options.similarity_threshold;
  result.embeddings = embeddings.source();
  result.forced = forced != nullptr;
  Normalizer normalize;

  // analyze_problem: sentences of at least 4 characters are analysed.
  std::vector<std::int64_t> valid;
  for (std::size_t i = 0; i < problem.chunks.size(); ++i) {
    if (code_points(problem.chunks[i]) >= 4) valid.push_back(static_cast<std::int64_t>(i));
  }
  const auto is_valid = [&](std::int64_t index) {
    return std::binary_search(valid.begin(), valid.end(), index);
  };
  std::size_t with_folders = 0;
  for (std::int64_t index : valid) with_folders += problem.folders.count(index);
  SENTLENS_CHECK(static_cast<double>(with_folders) >= 0.1 * static_cast<double>(valid.size()),
                 InputError,
                 "{}: only {} of {} sentences have a chunk_<i>/solutions.json (the original "
                 "skips problems with fewer than 10%)",
                 problem.directory.string(), with_folders, valid.size());
  for (std::int64_t index : problem.folders_without_solutions) {
    result.warnings.push_back(fmt::format("{}: chunk_{} has no solutions.json; treated as missing",
                                          problem.directory.string(), index));
  }

  std::map<std::int64_t, std::vector<InfoRecord>> chunk_info;
  for (std::int64_t index : valid) {
    const auto folder = problem.folders.find(index);
    if (folder == problem.folders.end()) continue;
    const auto& records = folder->second.records;
    result.chunk_accuracies[index] = accuracy(records);
    if (records.empty()) continue;
    auto& answers = result.chunk_answers[index];
    auto& info = chunk_info[index];
    for (std::size_t entry = 0; entry < records.size(); ++entry) {
      const RolloutRecord& record = records[entry];
      if (record.answer.empty() || record.answer == "None") continue;
      const std::string& normalised = normalize(record.answer);
      ++answers[normalised];
      info.push_back(InfoRecord{record.chunk_removed, record.chunk_resampled, record.is_correct,
                                normalised, entry});
    }
  }

  if (forced != nullptr) {
    for (std::int64_t index : valid) {
      const auto folder = forced->find(index);
      result.forced_answer_accuracies[index] =
          folder == forced->end() ? 0.0 : accuracy(folder->second.records);
    }
  }

  std::vector<LabeledChunk> labeled;
  if (problem.has_labeled_file) {
    for (const LabeledChunk& chunk : problem.labeled) {
      if (is_valid(chunk.chunk_index)) labeled.push_back(chunk);
    }
  } else {
    // The original labels every valid sentence through an API here; sentlens analyses those
    // that have rollouts.
    for (std::int64_t index : valid) {
      if (problem.folders.count(index) != 0) {
        labeled.push_back({index, problem.chunks[static_cast<std::size_t>(index)]});
      }
    }
  }

  for (const LabeledChunk& chunk : labeled) {
    const std::int64_t index = chunk.chunk_index;
    ChunkImportance metrics;
    metrics.chunk_index = index;
    const auto folder = problem.folders.find(index);
    if (folder != problem.folders.end()) {
      metrics.accuracy = result.chunk_accuracies.at(index);
      metrics.rollouts = static_cast<std::int64_t>(folder->second.records.size());
    } else {
      result.warnings.push_back(
          fmt::format("sentence {} is labeled but has no rollouts: its metrics are 0", index));
    }
    counterfactual_importance(index, chunk_info, problem, embeddings, options, normalize, metrics);

    const auto accuracy_here = result.chunk_accuracies.find(index);
    const auto accuracy_after = result.chunk_accuracies.find(index + 1);
    if (accuracy_here != result.chunk_accuracies.end() &&
        accuracy_after != result.chunk_accuracies.end()) {
      metrics.resampling_importance_accuracy =
          signed_or_absolute(accuracy_after->second - accuracy_here->second, options);
    }
    if (chunk_info.count(index) != 0) {
      if (const auto next = next_key(chunk_info, index)) {
        metrics.resampling_importance_kl =
            answer_distribution_kl(answers_of(problem.folders.at(index).records),
                                   answers_of(problem.folders.at(*next).records));
      }
    }

    if (forced != nullptr && !result.forced_answer_accuracies.empty()) {
      metrics.forced_importance_accuracy = 0.0;
      metrics.forced_importance_kl = 0.0;
      if (const auto next = next_key(result.forced_answer_accuracies, index)) {
        metrics.forced_importance_accuracy = signed_or_absolute(
            result.forced_answer_accuracies.at(*next) - result.forced_answer_accuracies.at(index),
            options);
        const auto here = forced->find(index);
        const auto after = forced->find(*next);
        if (here != forced->end() && after != forced->end()) {
          // Either side without a (non-empty) answer gives 0, inside answer_distribution_kl.
          metrics.forced_importance_kl = answer_distribution_kl(answers_of(here->second.records),
                                                                answers_of(after->second.records));
        }
      }
    }
    result.per_chunk.push_back(metrics);
  }

  result.step_matrix = step_matrix(problem, labeled, embeddings, options);
  return result;
}

}  // namespace sentlens
