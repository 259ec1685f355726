// `sentlens importance`: Thought Anchors' black-box importance from rollout folders.
#include <algorithm>

#include <fmt/core.h>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "cli/flag_names.h"
#include "cli/progress.h"
#include "sentlens/analysis/rollout_importance.h"
#include "sentlens/trace/rollout_columns.h"
#include "sentlens/workflow/model_embeddings.h"
#include "sentlens/workflow/rollout_importance_job.h"

namespace sentlens::cli {

namespace {

std::string optional_number(const std::optional<double>& value) {
  return value ? fmt::format("{:>8.4f}", *value) : fmt::format("{:>8}", "-");
}

void print_table(const RolloutImportance& importance) {
  fmt::print("{}: {} sentences with rollouts{}, similarity threshold {}, embeddings {}\n",
             importance.problem, importance.per_chunk.size(),
             importance.forced ? " (and forced answers)" : "", importance.similarity_threshold,
             importance.embeddings);
  fmt::print("  chunk  rollouts  accuracy  resample    cf_acc     cf_kl  different{}\n",
             importance.forced ? "  forced_acc" : "");
  for (const ChunkImportance& chunk : importance.per_chunk) {
    fmt::print("  {:>5}  {:>8}  {}  {:>8.4f}  {:>8.4f}  {:>8.4f}  {:>9.3f}", chunk.chunk_index,
               chunk.rollouts, optional_number(chunk.accuracy),
               chunk.resampling_importance_accuracy, chunk.counterfactual_importance_accuracy,
               chunk.counterfactual_importance_kl, chunk.different_trajectories_fraction);
    if (importance.forced) fmt::print("  {}", optional_number(chunk.forced_importance_accuracy));
    fmt::print("\n");
  }
  const std::vector<std::int64_t> ranked =
      sentences_by_importance(importance, &ChunkImportance::counterfactual_importance_kl);
  fmt::print("most important by counterfactual KL:");
  for (std::size_t r = 0; r < std::min<std::size_t>(5, ranked.size()); ++r) {
    const auto chunk = std::find_if(
        importance.per_chunk.begin(), importance.per_chunk.end(),
        [&](const ChunkImportance& candidate) { return candidate.chunk_index == ranked[r]; });
    fmt::print(" {} ({:.4g})", chunk->chunk_index, chunk->counterfactual_importance_kl);
  }
  fmt::print("\n");
  for (const std::string& warning : in_cli_terms(importance.warnings))
    fmt::print("warning: {}\n", warning);
}

}  // namespace

void register_importance_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "importance",
      "Resampling, counterfactual and forced-answer importance from rollout folders "
      "(Thought Anchors)");
  struct Arguments {
    RolloutImportanceJob job;
    ModelEmbeddingsOptions embedder;
    std::string rollouts, forced, embeddings, out, trace;
    bool json = false, quiet = false;
  };
  auto arguments = std::make_shared<Arguments>();
  command
      ->add_option("--rollouts", arguments->rollouts,
                   "Problem folder in the original layout (chunks.json, chunk_<i>/solutions.json), "
                   "or a folder holding one")
      ->required();
  command->add_option(
      "--forced", arguments->forced,
      "Forced-answer rollouts: the folder holding <problem>/ or that folder itself");
  auto* embeddings = command->add_option(
      "--embeddings", arguments->embeddings,
      "JSON map from sentence text to vector ({\"dim\": D, \"embeddings\": {...}} or "
      "{text: [...]})");
  const ModelSourceOptions model_source = add_model_source_options(
      *command, arguments->embedder.model,
      "Instead of --embeddings: embed the sentences with this checkpoint (Token Prepending)",
      /*model_required=*/false);
  CLI::Option* model = model_source.model;
  embeddings->excludes(model);
  command
      ->add_option("--tp-layers", arguments->embedder.token_prepending.prepend_until_layer,
                   "Token Prepending: copy into <PST> before layers 1 .. N-1")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
      ->needs(model);
  command
      ->add_flag("!--uncentred", arguments->embedder.centre,
                 "Token Prepending: compare the states as they are, not centred on their mean")
      ->needs(model);
  for (CLI::Option* option : {model_source.tokenizer, model_source.weights, model_source.device}) {
    option->needs(model);
  }
  command->add_flag("--quiet", arguments->quiet, "No progress on stderr");
  command
      ->add_option("--similarity-threshold", arguments->job.options.similarity_threshold,
                   "Cosine below which a resampled sentence counts as different")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  command->add_flag("--absolute", arguments->job.options.absolute,
                    "Absolute values of the accuracy differences (original --absolute)");
  command
      ->add_option("--max-chunks", arguments->job.options.step_matrix_max_chunks,
                   "Sentences in the step matrix (original max_chunks)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 20));
  add_json_flag(*command, arguments->json);
  command->add_option("--out", arguments->out, "Also write the JSON result to this file");
  command->add_option("--trace", arguments->trace,
                      "Add the per-sentence metrics and the step matrix to this trace (made from "
                      "the same sentences, e.g. trace --json-trace PROBLEM/chunks.json)");

  command->callback([arguments] {
    RolloutImportanceJob job = arguments->job;
    job.rollouts = arguments->rollouts;
    if (!arguments->forced.empty()) job.forced = arguments->forced;
    job.embeddings = arguments->embeddings;
    if (!arguments->embedder.model.dir.empty()) {
      ModelEmbeddingsOptions embedder = arguments->embedder;
      embedder.on_progress = stderr_progress(arguments->quiet);
      job.embed_sentences = model_sentence_embedder(embedder);
    } else if (arguments->embeddings.empty()) {
      throw CLI::RequiredError("--embeddings or --model");
    }
    job.out = arguments->out;
    const RolloutImportance importance = run_rollout_importance_job(job);
    end_progress_line(arguments->quiet);
    if (!arguments->trace.empty()) add_rollout_importance_to_trace(arguments->trace, importance);
    if (arguments->json) {
      fmt::print("{}\n", rollout_importance_json(importance));
    } else {
      print_table(importance);
    }
    if (!job.out.empty() && !arguments->json) fmt::print("wrote {}\n", job.out.string());
    if (!arguments->trace.empty() && !arguments->json) {
      fmt::print("added to {}\n", arguments->trace);
    }
  });
}

}  // namespace sentlens::cli
