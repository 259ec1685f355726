// The demo model's evaluation.
#include "demo/evaluate.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <fstream>

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "demo/corpus.h"
#include "sentlens/analysis/receivers.h"
#include "sentlens/capture/trace_capture.h"
#include "sentlens/error.h"
#include "sentlens/model/generate.h"
#include "sentlens/model/model.h"
#include "sentlens/suppression/suppression.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "sentlens/trace/trace.h"
#include "util/seconds.h"

namespace sentlens::demo {

namespace {

std::string strip(const std::string& text) {
  const auto begin = text.find_first_not_of(" \n");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \n");
  return text.substr(begin, end - begin + 1);
}

// Greedy continuation of `prompt` until EOS (excluded), decoded.
std::string continue_greedily(const Model& model, const Tokenizer& tokenizer,
                              const std::string& prompt, std::int64_t max_new_tokens) {
  const auto prompt_ids = tokenizer.encode(prompt).ids();
  GenerateOptions options;
  options.max_new_tokens = max_new_tokens;
  const std::int64_t eos = tokenizer.eos_id().value_or(2);
  options.stop_ids = {eos};
  auto ids = generate_greedy(model, prompt_ids, options);
  std::vector<std::int64_t> generated(ids.begin() + static_cast<std::ptrdiff_t>(prompt_ids.size()),
                                      ids.end());
  if (!generated.empty() && generated.back() == eos) generated.pop_back();
  return tokenizer.decode(generated);
}

// Top-3 rate of the copied step by receiver-head score, and its expectation for a random ranking.
// Traces with no more sentences than proximity_ignore have no vertical scores at all: they are
// left out of the analysis and count as misses for both.
std::pair<double, double> receiver_rates(const std::vector<SentenceMatrices>& matrices,
                                         const std::vector<DemoTrace>& traces,
                                         const ReceiverOptions& options) {
  std::vector<SentenceMatrices> kept_matrices;
  std::vector<const DemoTrace*> kept;
  for (std::size_t t = 0; t < traces.size(); ++t) {
    if (matrices[t].num_sentences > options.proximity_ignore) {
      kept_matrices.push_back(matrices[t]);
      kept.push_back(&traces[t]);
    }
  }
  double hits = 0, random = 0;
  if (!kept.empty()) {
    const ReceiverAnalysis analysis = analyze_receivers(kept_matrices, options);
    for (std::size_t t = 0; t < kept.size(); ++t) {
      const DemoTrace& trace = *kept[t];
      std::vector<double> scores = analysis.traces[t].receiver_head_scores;
      scores.resize(static_cast<std::size_t>(trace.answer_sentence));  // sentences before it
      const auto top = broadcasting_sentences(scores, 3);
      if (std::find(top.begin(), top.end(), trace.copied_sentence) != top.end()) hits += 1;
      const auto scored = std::count_if(scores.begin(), scores.end(),
                                        [](double value) { return !std::isnan(value); });
      const bool copied_scored =
          !std::isnan(scores[static_cast<std::size_t>(trace.copied_sentence)]);
      if (copied_scored && scored > 0) {
        random += std::min<double>(3.0, static_cast<double>(scored)) / static_cast<double>(scored);
      }
    }
  }
  const auto n = static_cast<double>(traces.size());
  return {hits / n, random / n};
}

// The sentences stating the result the answer copies: the copied step and any check of it (a
// check's last dependency is the step it re-derives).
std::vector<std::int64_t> copied_sources(const DemoTrace& trace) {
  std::vector<std::int64_t> out = {trace.copied_sentence};
  for (std::int64_t s = 0; s < trace.answer_sentence; ++s) {
    const auto& dependencies = trace.dependencies[static_cast<std::size_t>(s)];
    if (trace.kinds[static_cast<std::size_t>(s)] == "check" && !dependencies.empty() &&
        dependencies.back() == trace.copied_sentence) {
      out.push_back(s);
    }
  }
  return out;
}

// Index of the largest entry of the answer's suppression row among the sentences before it, or -1.
std::int64_t strongest_dependency(const SuppressionResult& matrix, std::int64_t answer) {
  std::int64_t strongest = -1;
  double best = -INFINITY;
  for (std::int64_t j = 0; j < answer; ++j) {
    const double value = matrix.at(answer, j);
    if (!std::isnan(value) && value > best) {
      best = value;
      strongest = j;
    }
  }
  return strongest;
}

// Counts, over traces, how often the answer's strongest suppression dependency is right.
struct SuppressionTally {
  std::int64_t true_hits = 0;    // a true dependency of the answer
  std::int64_t copied_hits = 0;  // the copied step or a check of it
  // Split by whether the sentence right before the answer is itself a true dependency.
  std::array<std::int64_t, 2> adjacent_hits{};  // [adjacent is not a dependency, is one]
  std::array<std::int64_t, 2> adjacent_total{};
  std::int64_t misses_adjacent = 0;  // misses that pick the sentence right before the answer

  void add(const DemoTrace& trace, std::int64_t strongest) {
    const auto& truth = trace.dependencies.back();
    const bool hit = std::find(truth.begin(), truth.end(), strongest) != truth.end();
    const auto copied = copied_sources(trace);
    const bool adjacent_true =
        std::find(truth.begin(), truth.end(), trace.answer_sentence - 1) != truth.end();
    true_hits += hit ? 1 : 0;
    copied_hits += std::find(copied.begin(), copied.end(), strongest) != copied.end() ? 1 : 0;
    adjacent_hits[adjacent_true ? 1 : 0] += hit ? 1 : 0;
    adjacent_total[adjacent_true ? 1 : 0] += 1;
    misses_adjacent += !hit && strongest == trace.answer_sentence - 1 ? 1 : 0;
  }
};

// Per-token effects on the answer (exact KL) where the sentence right before it is not a
// dependency: how many answer positions masking that sentence, or the copied step, shifts slightly
// (1e-6 < KL <= 1e-2) or changes (KL > 1e-2). Summed over traces; divide by `traces`.
struct AnswerShifts {
  std::int64_t traces = 0;
  std::array<std::int64_t, 2> slight{};  // [adjacent sentence, copied step]
  std::array<std::int64_t, 2> large{};

  void add(const DemoTrace& trace, const SuppressionResult& matrix, const TokenRange& answer) {
    const auto& truth = trace.dependencies.back();
    const auto adjacent = trace.answer_sentence - 1;
    if (std::find(truth.begin(), truth.end(), adjacent) != truth.end()) return;
    ++traces;
    const auto T = static_cast<std::int64_t>(matrix.token_kl.size()) / matrix.num_sentences;
    const std::array<std::int64_t, 2> suppressed = {adjacent, trace.copied_sentence};
    for (std::size_t k = 0; k < 2; ++k) {
      for (auto t = answer.start; t < answer.end; ++t) {
        const double kl = matrix.token_kl[static_cast<std::size_t>(suppressed[k] * T + t)];
        slight[k] += kl > 1e-6 && kl <= 1e-2 ? 1 : 0;
        large[k] += kl > 1e-2 ? 1 : 0;
      }
    }
  }
};

}  // namespace

Evaluation evaluate_model(const EvaluateOptions& options, const std::filesystem::path& json_out) {
  const auto start = std::chrono::steady_clock::now();
  LoadOptions load;
  load.threads = options.threads;
  const Model model = Model::load(options.model_dir, load);
  const auto tokenizer = load_tokenizer(options.model_dir);
  const auto held_out = read_traces(options.data_dir / "heldout.jsonl");
  Evaluation result;

  // 1. Competence.
  const auto answer_count =
      std::min<std::int64_t>(options.answer_count, static_cast<std::int64_t>(held_out.size()));
  std::int64_t correct = 0, solved = 0, exact = 0;
  std::int64_t final_total = 0, final_correct = 0, last_total = 0, last_correct = 0;
  for (std::int64_t i = 0; i < answer_count; ++i) {
    const DemoTrace& trace = held_out[static_cast<std::size_t>(i)];
    const std::string expected = trace.sentences.back();
    const std::string answer =
        strip(continue_greedily(model, *tokenizer, trace.text_before_answer(), 48));
    const bool right = answer == expected;
    correct += right ? 1 : 0;
    if (!right && i - correct < 5) {  // the first few misses, to see what goes wrong
      fmt::print(stderr, "miss {}: expected \"{}\", generated \"{}\"\n", i, expected, answer);
    }
    if (trace.question == "final") {
      ++final_total;
      final_correct += right ? 1 : 0;
    }
    // The copied step is the last step sentence (a check may follow it).
    bool copies_last_step = true;
    for (auto s = trace.copied_sentence + 1; s < trace.answer_sentence; ++s) {
      if (trace.kinds[static_cast<std::size_t>(s)] == "step") copies_last_step = false;
    }
    if (copies_last_step) {
      ++last_total;
      last_correct += right ? 1 : 0;
    }
    if (options.solve) {
      const std::string solution =
          strip(continue_greedily(model, *tokenizer, trace.solve_prompt(), 240));
      const auto last = solution.rfind("So ");
      if (last != std::string::npos && solution.substr(last) == expected) ++solved;
      if (trace.text == trace.solve_prompt() + " " + solution) ++exact;
    }
    if ((i + 1) % 100 == 0) {
      fmt::print(stderr, "answers: {}/{} ({} correct, {} solved)\n", i + 1, answer_count, correct,
                 solved);
    }
  }
  result.answer_total = answer_count;
  result.answer_accuracy = static_cast<double>(correct) / static_cast<double>(answer_count);
  result.solve_accuracy = static_cast<double>(solved) / static_cast<double>(answer_count);
  result.solve_exact = static_cast<double>(exact) / static_cast<double>(answer_count);

  // 2. Receiver heads and 3. suppression, on the first structure_count held-out traces.
  const auto structure_count =
      std::min<std::int64_t>(options.structure_count, static_cast<std::int64_t>(held_out.size()));
  std::vector<DemoTrace> traces(held_out.begin(), held_out.begin() + structure_count);
  TraceParameters parameters;
  parameters.token_rhythm = false;
  std::vector<SentenceMatrices> matrices;
  // Both suppression profiles, each with the clean sentence split: the clean default (exact KL
  // over the vocabulary) and the reference (the original code's top-p KL). Their masks agree here:
  // every row keeps the problem before <think>, which is in no sentence.
  SuppressionTally clean_tally, reference_tally;
  double true_random = 0, copied_random = 0;
  // How confident the model is on the answer: positions whose top token holds more than the
  // reference profile's nucleus p at the suppression temperature (one-token nuclei).
  std::int64_t answer_positions = 0, answer_one_token_nucleus = 0;
  AnswerShifts shifts;
  for (std::size_t t = 0; t < traces.size(); ++t) {
    const DemoTrace& trace = traces[t];
    const Trace captured = capture_trace(model, *tokenizer, trace.text, parameters);
    if (captured.num_sentences() != static_cast<std::int64_t>(trace.sentences.size())) {
      throw sentlens::Error(fmt::format("held-out trace {}: {} sentences captured, {} generated", t,
                                        captured.num_sentences(), trace.sentences.size()));
    }
    matrices.push_back(sentence_matrices(captured, fmt::format("heldout[{}]", t)));

    const AlignedText aligned = align_text(*tokenizer, trace.text, parameters);
    const auto ids = torch::tensor(aligned.encoding.ids(), torch::kInt64);
    const TokenRange answer =
        aligned.sentence_tokens[static_cast<std::size_t>(trace.answer_sentence)];
    SuppressionOptions clean;
    SuppressionOptions reference;
    reference.profile = Profile::kReference;
    {
      const auto logits = model.forward(ids).logits.narrow(0, answer.start, answer.size());
      const auto top = std::get<0>(torch::softmax(logits / reference.temperature, -1).max(-1));
      answer_positions += answer.size();
      answer_one_token_nucleus += (top > reference.top_p).sum().item<std::int64_t>();
    }
    const SuppressionResult clean_matrix =
        suppression_matrix(model, ids, aligned.sentence_tokens, clean);
    clean_tally.add(trace, strongest_dependency(clean_matrix, trace.answer_sentence));
    shifts.add(trace, clean_matrix, answer);
    reference_tally.add(
        trace,
        strongest_dependency(suppression_matrix(model, ids, aligned.sentence_tokens, reference),
                             trace.answer_sentence));
    const auto before = static_cast<double>(trace.answer_sentence);
    true_random += static_cast<double>(trace.dependencies.back().size()) / before;
    copied_random += static_cast<double>(copied_sources(trace).size()) / before;
    if ((t + 1) % 50 == 0) fmt::print(stderr, "structure: {}/{}\n", t + 1, traces.size());
  }
  const auto traces_count = static_cast<double>(structure_count);
  result.structure_total = structure_count;
  result.suppression_hit = static_cast<double>(clean_tally.true_hits) / traces_count;
  result.suppression_hit_random = true_random / traces_count;
  result.suppression_copied_hit = static_cast<double>(clean_tally.copied_hits) / traces_count;
  result.suppression_copied_random = copied_random / traces_count;
  result.suppression_reference_hit = static_cast<double>(reference_tally.true_hits) / traces_count;
  result.suppression_reference_copied_hit =
      static_cast<double>(reference_tally.copied_hits) / traces_count;

  ReceiverOptions receivers;
  receivers.proximity_ignore = options.proximity_ignore;
  receivers.top_k = options.receiver_heads;
  std::tie(result.receiver_top3, result.receiver_top3_random) =
      receiver_rates(matrices, traces, receivers);
  std::string default_failure;
  try {
    std::tie(result.receiver_top3_default, result.receiver_top3_default_random) =
        receiver_rates(matrices, traces, ReceiverOptions{});
  } catch (const InputError& error) {
    // Short traces leave too few vertical scores per head for a kurtosis at proximity 4.
    default_failure = error.what();
    result.receiver_top3_default = result.receiver_top3_default_random = NAN;
  }
  result.seconds = seconds_since(start);

  fmt::print(
      "answer accuracy (greedy answer sentence after the gold trace, {} problems): {:.1f}%\n",
      answer_count, 100 * result.answer_accuracy);
  fmt::print(
      "  final-count questions {}/{}, answers copying the last step {}/{}, copying an "
      "earlier step {}/{}\n",
      final_correct, final_total, last_correct, last_total, correct - last_correct,
      answer_count - last_total);
  if (options.solve) {
    fmt::print(
        "solve accuracy (greedy from the problem alone, answer sentence correct): {:.1f}% "
        "(whole trace exact: {:.1f}%)\n",
        100 * result.solve_accuracy, 100 * result.solve_exact);
  }
  fmt::print(
      "receiver heads: copied step in the top 3 in {:.1f}% of {} traces (random ranking: "
      "{:.1f}%; proximity_ignore {}, {} receiver heads)\n",
      100 * result.receiver_top3, structure_count, 100 * result.receiver_top3_random,
      options.proximity_ignore, options.receiver_heads);
  if (default_failure.empty()) {
    fmt::print(
        "  with the library defaults (proximity_ignore 4, 20 heads): {:.1f}% (random "
        "{:.1f}%)\n",
        100 * result.receiver_top3_default, 100 * result.receiver_top3_default_random);
  } else {
    fmt::print("  with the library defaults (proximity_ignore 4, 20 heads): not computable: {}\n",
               default_failure);
  }
  const auto print_suppression = [&](const char* profile, const SuppressionTally& tally, double hit,
                                     double copied_hit) {
    fmt::print(
        "suppression ({} profile): the answer's strongest dependency is a true one in {:.1f}% of "
        "{} traces (random earlier sentence: {:.1f}%)\n",
        profile, 100 * hit, structure_count, 100 * result.suppression_hit_random);
    fmt::print("  the copied step or a check of it: {:.1f}% (random earlier sentence: {:.1f}%)\n",
               100 * copied_hit, 100 * result.suppression_copied_random);
    fmt::print(
        "  sentence before the answer a true dependency: {}/{}; not one: {}/{}; misses picking "
        "it: {}/{}\n",
        tally.adjacent_hits[1], tally.adjacent_total[1], tally.adjacent_hits[0],
        tally.adjacent_total[0], tally.misses_adjacent, structure_count - tally.true_hits);
  };
  fmt::print("answer positions whose top token holds more than {} at T {}: {}/{}\n",
             SuppressionOptions{}.top_p, SuppressionOptions{}.temperature, answer_one_token_nucleus,
             answer_positions);
  print_suppression("clean", clean_tally, result.suppression_hit, result.suppression_copied_hit);
  const auto per_trace = [&](std::int64_t count) {
    return shifts.traces > 0 ? static_cast<double>(count) / static_cast<double>(shifts.traces)
                             : 0.0;
  };
  fmt::print(
      "  answer positions per trace (the {} traces whose sentence before the answer is no "
      "dependency) shifted slightly (1e-6 < KL <= 1e-2) / changed (KL > 1e-2): masking that "
      "sentence {:.2f} / {:.2f}, masking the copied step {:.2f} / {:.2f}\n",
      shifts.traces, per_trace(shifts.slight[0]), per_trace(shifts.large[0]),
      per_trace(shifts.slight[1]), per_trace(shifts.large[1]));
  print_suppression("reference", reference_tally, result.suppression_reference_hit,
                    result.suppression_reference_copied_hit);

  if (!json_out.empty()) {
    nlohmann::ordered_json json;
    json["answer_problems"] = answer_count;
    json["answer_accuracy"] = result.answer_accuracy;
    json["answer_final_question"] = {final_correct, final_total};
    json["answer_copies_last_step"] = {last_correct, last_total};
    json["answer_copies_earlier_step"] = {correct - last_correct, answer_count - last_total};
    json["solve_accuracy"] = result.solve_accuracy;
    json["solve_exact"] = result.solve_exact;
    json["structure_traces"] = structure_count;
    json["receiver_proximity_ignore"] = options.proximity_ignore;
    json["receiver_heads"] = options.receiver_heads;
    json["receiver_top3"] = result.receiver_top3;
    json["receiver_top3_random"] = result.receiver_top3_random;
    if (default_failure.empty()) {
      json["receiver_top3_default"] = result.receiver_top3_default;
      json["receiver_top3_default_random"] = result.receiver_top3_default_random;
    } else {
      json["receiver_default_failure"] = default_failure;
    }
    json["answer_one_token_nucleus"] = {answer_one_token_nucleus, answer_positions};
    json["suppression_hit"] = result.suppression_hit;
    json["suppression_hit_random"] = result.suppression_hit_random;
    json["suppression_copied_hit"] = result.suppression_copied_hit;
    json["suppression_copied_random"] = result.suppression_copied_random;
    // [hits, traces] split by whether the sentence before the answer is a dependency, and
    // [misses picking it, misses].
    const auto write_tally = [&](const std::string& prefix, const SuppressionTally& tally) {
      json[prefix + "adjacent_dependency"] = {tally.adjacent_hits[1], tally.adjacent_total[1]};
      json[prefix + "adjacent_other"] = {tally.adjacent_hits[0], tally.adjacent_total[0]};
      json[prefix + "misses_adjacent"] = {tally.misses_adjacent, structure_count - tally.true_hits};
    };
    write_tally("suppression_", clean_tally);
    json["answer_shift_traces"] = shifts.traces;
    json["answer_shifts_adjacent"] = {per_trace(shifts.slight[0]), per_trace(shifts.large[0])};
    json["answer_shifts_copied"] = {per_trace(shifts.slight[1]), per_trace(shifts.large[1])};
    json["suppression_reference_hit"] = result.suppression_reference_hit;
    json["suppression_reference_copied_hit"] = result.suppression_reference_copied_hit;
    write_tally("suppression_reference_", reference_tally);
    json["seconds"] = result.seconds;
    std::ofstream(json_out, std::ios::trunc) << json.dump(2) << '\n';
  }
  return result;
}

}  // namespace sentlens::demo
