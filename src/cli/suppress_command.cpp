// `sentlens suppress`: the Thought Anchors attention-suppression matrix, with progress on stderr.
#include <chrono>
#include <cmath>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "cli/counted.h"
#include "cli/input_text.h"
#include "io/json_number.h"
#include "sentlens/error.h"
#include "sentlens/io/reasoning_trace_file.h"
#include "sentlens/suppression/suppression_job.h"
#include "sentlens/util/parse_lists.h"

namespace sentlens::cli {

void register_suppress_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "suppress",
      "Suppress attention to each sentence and measure the effect on every later sentence "
      "(Thought Anchors): E[target, suppressed] = mean ln(KL + 1e-9)");
  struct Arguments {
    SuppressionJob job;
    std::string trace, text, text_file, json_trace, ids, boundaries,
        profile = "clean", split_profile, layers, heads, out, export_ta;
    bool json = false, quiet = false, row_centred = false, no_prefix_reuse = false, no_bos = false;
  };
  auto arguments = std::make_shared<Arguments>();
  add_model_source_options(*command, arguments->job.model);
  const auto [text, text_file] = add_text_options(*command, arguments->text, arguments->text_file,
                                                  "Text to tokenize and split");
  auto* ids =
      command->add_option("--ids", arguments->ids, "Comma-separated token ids of the input");
  auto* boundaries =
      command->add_option("--boundaries", arguments->boundaries,
                          "Token ranges of the sentences for --ids, start:end,... (end exclusive)");
  auto* trace = command->add_option(
      "--trace", arguments->trace,
      "A trace file (sentlens trace): use its tokens and sentences and add the matrix to it");
  auto* json_trace = command->add_option(
      "--json-trace", arguments->json_trace,
      "JSON file with `text` (or `full_cot`) and optional pre-split `chunks` (Thought Anchors), "
      "as `analyze --json-trace` reads it");
  json_trace->excludes(trace)->excludes(text)->excludes(text_file)->excludes(ids);
  trace->excludes(text)->excludes(text_file)->excludes(ids);
  text->excludes(ids);
  text_file->excludes(ids);
  ids->needs(boundaries);
  boundaries->needs(ids);
  add_profile_option(*command, arguments->profile,
                     "clean (exact KL over the vocabulary) or reference (the original code's "
                     "top-p KL and masking)")
      ->check(CLI::IsMember({"clean", "reference"}));
  // The paper's KL on our sentence split (or the reverse) needs the two chosen apart.
  auto* split_profile =
      command
          ->add_option("--split-profile", arguments->split_profile,
                       "Sentence split and token alignment of --text/--text-file: clean or "
                       "reference (default: as --profile)")
          ->check(CLI::IsMember({"clean", "reference"}));
  split_profile->excludes(ids)->excludes(trace);
  command
      ->add_option("--temperature", arguments->job.options.temperature,
                   "Softmax temperature of both distributions")
      ->capture_default_str();
  command->add_option("--layers", arguments->layers,
                      "Layers to suppress in, e.g. 0,2-4 (default all)");
  command->add_option("--heads", arguments->heads, "Heads to suppress, e.g. 0,3 (default all)");
  command
      ->add_option("--batch-size", arguments->job.options.batch_size,
                   "Suppressions run together in one forward")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1024}));
  command->add_flag("--no-prefix-reuse", arguments->no_prefix_reuse,
                    "Run every suppression from the first token (slower; for comparison)");
  add_block_size_option(*command, arguments->job.options.forward.block_size);
  add_no_bos_flag(*command, arguments->no_bos);
  add_allow_longer_flag(*command, arguments->job.options.forward.allow_longer);
  command->add_option("--out", arguments->out,
                      "Write kl_matrix F64 [S, S], token_kl F64 [S, T], boundaries, ids");
  command->add_option("--export-ta", arguments->export_ta,
                      "Write step_importance_supp.json (thought-anchors.com layout)");
  command->add_flag("--row-centred", arguments->row_centred,
                    "Print the paper's row-centred matrix (sources before targets only)");
  add_json_flag(*command, arguments->json, "Print the matrix as JSON on stdout");
  command->add_flag("--quiet", arguments->quiet, "No progress on stderr");

  command->callback([arguments] {
    SuppressionJob job = arguments->job;
    job.options.profile = parse_profile(arguments->profile);
    if (!arguments->trace.empty()) {
      job.trace = arguments->trace;
    } else if (!arguments->ids.empty()) {
      job.ids = parse_int_list(arguments->ids, "--ids");
      for (const auto& [start, end] : parse_range_list(arguments->boundaries, "--boundaries")) {
        job.sentences.push_back(TokenRange{start, end});
      }
    } else {
      ReasoningTraceFile input =
          read_input_trace(arguments->text, arguments->text_file, arguments->json_trace);
      job.text = std::move(input.text);
      job.chunks = std::move(input.chunks);
      job.alignment.add_bos = !arguments->no_bos;
      job.alignment.split.profile =
          arguments->split_profile.empty()
              ? parse_profile(arguments->profile)
              : parse_profile(arguments->split_profile, "--split-profile");
    }
    job.options.reuse_prefix = !arguments->no_prefix_reuse;
    if (!arguments->layers.empty()) {
      job.options.heads.layers = parse_index_set(arguments->layers, 1 << 20, "--layers");
    }
    if (!arguments->heads.empty()) {
      job.options.heads.heads = parse_index_set(arguments->heads, 1 << 20, "--heads");
    }
    job.out = arguments->out;
    job.thought_anchors_json = arguments->export_ta;
    if (!arguments->quiet) {
      job.options.on_progress = [](const SuppressionProgress& progress) {
        const double per_sentence = progress.elapsed_seconds / static_cast<double>(progress.done);
        fmt::print(stderr, "\rsuppressed sentence {} of {}, {:.1f} s elapsed, ETA {:.1f} s   ",
                   progress.done, progress.total, progress.elapsed_seconds,
                   per_sentence * static_cast<double>(progress.total - progress.done));
        if (progress.done == progress.total) fmt::print(stderr, "\n");
      };
    }
    const SuppressionJobResult outcome = run_suppression_job(job);
    const SuppressionResult& result = outcome.matrix;
    const auto S = result.num_sentences;
    const auto& shown =
        arguments->row_centred ? row_centred(result.kl_matrix, S) : result.kl_matrix;
    if (arguments->json) {
      nlohmann::ordered_json json;
      json["num_sentences"] = S;
      json["profile"] = arguments->profile;
      if (arguments->trace.empty() && arguments->ids.empty()) {
        json["split_profile"] = profile_name(job.alignment.split.profile);
      }
      json["orientation"] = "matrix[target][suppressed]";
      json[arguments->row_centred ? "row_centred" : "kl_matrix"] = json_matrix(shown, S, S);
      if (!outcome.sentence_texts.empty()) json["sentences"] = outcome.sentence_texts;
      json["seconds"] = result.seconds;
      fmt::print("{}\n", json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    fmt::print("E[target, suppressed] = mean ln(KL + 1e-9){}, {}, {:.2f} s\n",
               arguments->row_centred ? ", row-centred" : "", counted(S, "sentence"),
               result.seconds);
    fmt::print("{:>6}", "t\\s");
    for (std::int64_t j = 0; j < S; ++j) fmt::print(" {:>7}", j);
    fmt::print("\n");
    for (std::int64_t i = 0; i < S; ++i) {
      fmt::print("{:>6}", i);
      for (std::int64_t j = 0; j < S; ++j) {
        const double value = shown[static_cast<std::size_t>(i * S + j)];
        if (std::isnan(value)) {
          fmt::print(" {:>7}", "n/a");
        } else {
          fmt::print(" {:>7.2f}", value);
        }
      }
      fmt::print("\n");
    }
    for (std::size_t i = 0; i < outcome.sentence_texts.size(); ++i) {
      std::string shown_text = outcome.sentence_texts[i];
      for (char& c : shown_text) c = (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
      if (shown_text.size() > 90) shown_text = shown_text.substr(0, 87) + "...";
      fmt::print("{:>6}  {}\n", i, shown_text);
    }
  });
}

}  // namespace sentlens::cli
