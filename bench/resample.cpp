// Rollout generation and black-box importance (issue "Thought Anchors' black-box methods").
//
// usage: sentlens_bench_resample [--models demo,qwen0.5b] [--samples 8] [--new-tokens 16]
//                                [--prompt-tokens 128] [--threads 2] [--repeats 1]
//                                [--demo-traces 100] [--rollouts 100] [--tolerance 0.15]
//                                [--temperature 2.0] [--work DIR]
//
// Part 1, speed: `samples` continuations of one prompt, same sampler, seed and streams, (a) as
// sentlens samples them (the prompt's forward once, its KV cache repeated for a batch of
// continuations decoded together) against (b) one continuation at a time (a prompt forward per
// continuation, batch of one): rollouts per second, user+system CPU, and whether the tokens agree.
// EOS is ignored so both make exactly `new-tokens` tokens per continuation.
//
// Part 2, the demo model (`--demo-traces N`, 0 = skip): N held-out traces of the demo corpus
// (seed 1, as the model was trained), each resampled from every sentence (answers read with the
// pattern "(\d+) is the answer", judged against the trace's answer), importance computed with the
// demo model's own Token Prepending embeddings, centred (as `importance --model` does). Reports
// how often the sentence ranked first by counterfactual importance — the KL of the answers (the
// paper's measure), and the drop in accuracy — is a true dependency of the answer sentence (a tie
// at the top scores the share of true dependencies among the tied), against the random baseline
// (a uniformly drawn sentence), with fixed rollouts and with --adaptive, and the rollouts each
// used. A well-trained demo model rewrites the same sentence almost every time at temperature 1;
// `--temperature 2` gives the resampled sentences that counterfactual importance needs.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <torch/torch.h>

#include "demo/corpus.h"
#include "random_checkpoint.h"
#include "sentlens/analysis/rollout_importance.h"
#include "sentlens/capture/token_prepending.h"
#include "sentlens/model/sample.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "sentlens/util/parse_lists.h"
#include "sentlens/workflow/resample.h"

namespace {

namespace fs = std::filesystem;
using sentlens::Model;
using sentlens::SamplingOptions;

struct Usage {
  double cpu = 0;  // user + system seconds
  long minor_faults = 0;
};

Usage usage_now() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return {static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
              static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6,
          usage.ru_minflt};
}

struct Timed {
  double wall = 0, cpu = 0;
  long minor_faults = 0;
};

template <typename F>
Timed timed(F&& run) {
  const Usage before = usage_now();
  const auto start = std::chrono::steady_clock::now();
  run();
  const Usage after = usage_now();
  return {std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
          after.cpu - before.cpu, after.minor_faults - before.minor_faults};
}

void speed(const std::string& name, const Model& model, std::int64_t samples,
           std::int64_t new_tokens, std::int64_t prompt_tokens, int repeats) {
  std::vector<std::int64_t> prompt = {1};
  for (std::int64_t i = 1; i < prompt_tokens; ++i) {
    prompt.push_back(3 + (i * 7919) % std::min<std::int64_t>(model.config().vocab_size - 3, 250));
  }
  SamplingOptions options;
  options.temperature = 0.6;
  options.top_p = 0.95;
  options.seed = 44;
  options.max_new_tokens = new_tokens;
  options.batch_size = samples;
  std::vector<std::vector<std::int64_t>> shared, single;
  // Interleaved (best of `repeats`), so both see the same machine.
  Timed best_shared{1e30, 0}, best_single{1e30, 0};
  for (int repeat = 0; repeat < repeats; ++repeat) {
    const Timed a =
        timed([&] { shared = sentlens::sample_continuations(model, prompt, samples, options); });
    if (a.wall < best_shared.wall) best_shared = a;
    const Timed b = timed([&] {
      single.clear();
      SamplingOptions one = options;
      one.batch_size = 1;
      for (std::int64_t s = 0; s < samples; ++s) {
        one.first_sample = s;
        single.push_back(sentlens::sample_continuations(model, prompt, 1, one)[0]);
      }
    });
    if (b.wall < best_single.wall) best_single = b;
  }
  std::int64_t differing = 0;
  for (std::int64_t s = 0; s < samples; ++s) differing += shared[s] != single[s] ? 1 : 0;
  const double rate_shared = static_cast<double>(samples) / best_shared.wall;
  const double rate_single = static_cast<double>(samples) / best_single.wall;
  fmt::print(
      "{:<9} prompt {:>4} tokens, {} continuations x {} tokens: shared prefix + batch {:.2f} "
      "rollouts/s ({:.2f} s wall, {:.2f} s CPU, {} minor faults); one at a time {:.2f} "
      "rollouts/s ({:.2f} s wall, {:.2f} s CPU, {} minor faults); ratio {:.2f}x; continuations "
      "differing {}/{}\n",
      name, prompt_tokens, samples, new_tokens, rate_shared, best_shared.wall, best_shared.cpu,
      best_shared.minor_faults, rate_single, best_single.wall, best_single.cpu,
      best_single.minor_faults, rate_shared / rate_single, differing, samples);
}

struct DemoOutcome {
  std::int64_t traces = 0, rollouts = 0, budget = 0;
  // Per ranking (KL, accuracy drop): traces whose top sentence is a true dependency, counting a
  // tie at the top as the share of true dependencies among the tied sentences (what a random
  // tie-break scores on average), and traces with a non-zero top value.
  double hits_kl = 0, hits_accuracy = 0;
  std::int64_t ranked_kl = 0, ranked_accuracy = 0;
  double random_baseline = 0;
};

// The share of true dependencies among the sentences before the answer with the largest `key`;
// adds to `hits` and counts a non-zero top value in `ranked`.
template <typename Key>
void score_ranking(const std::vector<sentlens::ChunkImportance>& chunks,
                   const sentlens::demo::DemoTrace& trace, Key key, double& hits,
                   std::int64_t& ranked) {
  const auto& dependencies = trace.dependencies[static_cast<std::size_t>(trace.answer_sentence)];
  double top = -std::numeric_limits<double>::infinity();
  for (const auto& chunk : chunks) {
    if (chunk.chunk_index < trace.answer_sentence) top = std::max(top, key(chunk));
  }
  std::int64_t tied = 0, tied_true = 0;
  for (const auto& chunk : chunks) {
    if (chunk.chunk_index >= trace.answer_sentence || key(chunk) != top) continue;
    ++tied;
    if (std::find(dependencies.begin(), dependencies.end(), chunk.chunk_index) !=
        dependencies.end()) {
      ++tied_true;
    }
  }
  if (tied == 0 || top == 0.0) return;  // nothing ranked: no hit
  ++ranked;
  hits += static_cast<double>(tied_true) / static_cast<double>(tied);
}

void demo_ranking(const Model& model, const sentlens::Tokenizer& tokenizer,
                  const std::vector<sentlens::demo::DemoTrace>& traces, std::int64_t rollouts,
                  double temperature, bool adaptive, double tolerance, const fs::path& work,
                  DemoOutcome& outcome) {
  sentlens::TokenPrependingOptions tp;
  tp.prepend_from_layer = 1;
  tp.prepend_until_layer = 2;
  tp.output_layer = -2;
  const sentlens::TokenPrependingEmbedder embedder(model, tokenizer, tp);
  for (std::size_t t = 0; t < traces.size(); ++t) {
    const auto& trace = traces[t];
    sentlens::ResampleJob job;
    job.text = trace.text;
    job.chunks = trace.sentences;
    job.ground_truth = std::to_string(trace.answer);
    job.answer_pattern = "(\\d+) is the answer";
    job.name = fmt::format("problem_{}", t);
    job.rollouts = rollouts;
    job.sampling.temperature = temperature;
    job.sampling.top_p = 0.95;
    job.sampling.seed = 44;
    job.sampling.max_new_tokens = 96;
    job.sampling.batch_size = 50;
    job.adaptive.enabled = adaptive;
    job.adaptive.tolerance = tolerance;
    job.out_dir = work / (adaptive ? "adaptive" : "fixed");
    const auto summary = sentlens::resample_trace(model, tokenizer, job);
    outcome.rollouts += summary.rollouts_written + summary.rollouts_reused;
    outcome.budget += summary.rollouts_fixed_budget;
    const auto problem = sentlens::read_rollout_problem(summary.problem_dir);
    // Centred, as `sentlens importance --model` does by default (SentenceEmbeddings::centred).
    const auto embeddings =
        embedder.embed_all(sentlens::rollout_sentences(problem), "demo TP").centred();
    const auto importance = sentlens::compute_rollout_importance(problem, nullptr, embeddings);
    // The answer sentence is what is being explained: rank the sentences before it by the
    // paper's counterfactual importance (the KL of the answers), and by the accuracy drop.
    ++outcome.traces;
    outcome.random_baseline +=
        static_cast<double>(
            trace.dependencies[static_cast<std::size_t>(trace.answer_sentence)].size()) /
        static_cast<double>(trace.answer_sentence);
    score_ranking(
        importance.per_chunk, trace,
        [](const sentlens::ChunkImportance& chunk) { return chunk.counterfactual_importance_kl; },
        outcome.hits_kl, outcome.ranked_kl);
    score_ranking(
        importance.per_chunk, trace,
        [](const sentlens::ChunkImportance& chunk) {
          return -chunk.counterfactual_importance_accuracy;
        },
        outcome.hits_accuracy, outcome.ranked_accuracy);
  }
  outcome.random_baseline /= static_cast<double>(std::max<std::int64_t>(outcome.traces, 1));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> models = {"demo", "qwen0.5b"};
  std::int64_t samples = 8, new_tokens = 16, prompt_tokens = 128, demo_traces = 0, rollouts = 100;
  int repeats = 1;
  double tolerance = 0.15, temperature = 2.0;  // the settings of docs/performance.md's figures
  int threads = 2;
  fs::path work = fs::temp_directory_path() / "sentlens-bench-resample";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--models") {
      models.clear();
      for (std::size_t start = 0; start <= value.size();) {
        const auto comma = std::min(value.find(',', start), value.size());
        if (comma > start) models.push_back(value.substr(start, comma - start));
        start = comma + 1;
      }
    } else if (flag == "--samples") {
      samples = std::stoll(value);
    } else if (flag == "--new-tokens") {
      new_tokens = std::stoll(value);
    } else if (flag == "--prompt-tokens") {
      prompt_tokens = std::stoll(value);
    } else if (flag == "--repeats") {
      repeats = std::stoi(value);
    } else if (flag == "--threads") {
      threads = std::stoi(value);
    } else if (flag == "--demo-traces") {
      demo_traces = std::stoll(value);
    } else if (flag == "--rollouts") {
      rollouts = std::stoll(value);
    } else if (flag == "--tolerance") {
      tolerance = std::stod(value);
    } else if (flag == "--temperature") {
      temperature = std::stod(value);
    } else if (flag == "--work") {
      work = value;
    } else {
      fmt::print(stderr, "unknown option {}\n", flag);
      return 2;
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as soon as it is measured
  sentlens::set_threads(threads);
  const fs::path demo_dir = fs::path(SENTLENS_SOURCE_DIR) / "models/demo";
  fs::create_directories(work);
  for (const std::string& name : models) {
    if (name == "demo") {
      speed(name, Model::load(demo_dir), samples, new_tokens,
            std::min<std::int64_t>(prompt_tokens, 200), repeats);
    } else if (name == "qwen0.5b") {
      const fs::path folder = work / "qwen0.5b";
      if (!fs::exists(folder / "config.json")) {
        sentlens::bench::write_random_checkpoint(folder, sentlens::bench::qwen2_5_0_5b_shape());
      }
      speed(name, Model::load(folder), samples, new_tokens, prompt_tokens, repeats);
    } else {
      fmt::print(stderr, "unknown model {} (demo, qwen0.5b)\n", name);
      return 2;
    }
  }
  if (demo_traces > 0) {
    sentlens::demo::CorpusOptions corpus;
    corpus.seed = 1;
    const fs::path corpus_dir = work / "demo-corpus";
    if (!fs::exists(corpus_dir / "heldout.jsonl"))
      sentlens::demo::generate_corpus(corpus_dir, corpus);
    auto held_out = sentlens::demo::read_traces(corpus_dir / "heldout.jsonl");
    held_out.resize(static_cast<std::size_t>(
        std::min<std::int64_t>(demo_traces, static_cast<std::int64_t>(held_out.size()))));
    const Model model = Model::load(demo_dir);
    const auto tokenizer = sentlens::load_tokenizer(demo_dir);
    for (const bool adaptive : {false, true}) {
      DemoOutcome outcome;
      const auto time = timed([&] {
        demo_ranking(model, *tokenizer, held_out, rollouts, temperature, adaptive, tolerance,
                     work / fmt::format("demo-t{}", temperature), outcome);
      });
      const auto percent = [&](double hits) {
        return 100.0 * hits / static_cast<double>(std::max<std::int64_t>(outcome.traces, 1));
      };
      fmt::print(
          "demo {:<8} {} traces, temperature {}: top sentence a true dependency of the answer: by "
          "counterfactual KL {:.1f}/{} ({:.0f}%; {} ranked), by accuracy drop {:.1f}/{} ({:.0f}%; "
          "{} ranked); random baseline {:.0f}%; rollouts {} of a fixed budget of {} ({:.0f}%); "
          "{:.0f} s\n",
          adaptive ? "adaptive" : "fixed", outcome.traces, temperature, outcome.hits_kl,
          outcome.traces, percent(outcome.hits_kl), outcome.ranked_kl, outcome.hits_accuracy,
          outcome.traces, percent(outcome.hits_accuracy), outcome.ranked_accuracy,
          100.0 * outcome.random_baseline, outcome.rollouts, outcome.budget,
          100.0 * outcome.rollouts / std::max<std::int64_t>(outcome.budget, 1), time.wall);
    }
  }
  return 0;
}
