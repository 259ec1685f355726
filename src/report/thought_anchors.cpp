// Export to the thought-anchors.com problem layout (`sentlens export-ta`).
#include "sentlens/report/thought_anchors.h"

#include <cmath>
#include <system_error>

#include <nlohmann/json.hpp>

#include "sentlens/report/report.h"
#include "sentlens/trace/rollout_columns.h"
#include "sentlens/trace/trace.h"
#include "sentlens/trace/trace_analysis.h"
#include "util/check.h"

namespace sentlens {

namespace {

using Json = nlohmann::ordered_json;

Json finite_or_null(double value) {
  return std::isfinite(value) ? Json(value) : Json(nullptr);
}

std::string sentence_text(const Trace& trace, std::int64_t s) {
  const Sentence& sentence = trace.sentences[static_cast<std::size_t>(s)];
  const auto bytes = static_cast<std::int64_t>(trace.text.size());
  const std::int64_t start = std::clamp<std::int64_t>(sentence.byte_start, 0, bytes);
  const std::int64_t end = std::clamp<std::int64_t>(sentence.byte_end, start, bytes);
  std::string text =
      trace.text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start));
  // As the original splitter's chunks (buffer.strip()): no surrounding whitespace.
  const auto first = text.find_first_not_of(" \t\n\r\f\v");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\n\r\f\v");
  return text.substr(first, last - first + 1);
}

std::string dump(const Json& json) {
  return json.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string thought_anchors_suppression_json(const std::vector<double>& kl_matrix,
                                             std::int64_t num_sentences) {
  const auto S = num_sentences;
  SENTLENS_CHECK(static_cast<std::int64_t>(kl_matrix.size()) == S * S, InputError,
                 "matrix has {} cells, expected {} x {}", kl_matrix.size(), S, S);
  Json sources = Json::array();
  for (std::int64_t source = 0; source < S; ++source) {
    Json impacts = Json::array();
    for (std::int64_t target = source + 1; target < S; ++target) {
      const double value = kl_matrix[static_cast<std::size_t>(target * S + source)];
      impacts.push_back({{"target_chunk_idx", target},
                         {"importance_score", std::isnan(value) ? Json(nullptr) : Json(value)}});
    }
    sources.push_back({{"source_chunk_idx", source}, {"target_impacts", impacts}});
  }
  return sources.dump(2);
}

ThoughtAnchorsExport export_thought_anchors(const Trace& trace, const AnalysisOptions& options,
                                            const std::string& source,
                                            const std::filesystem::path& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  SENTLENS_CHECK(!error && std::filesystem::is_directory(directory), IoError,
                 "{}: cannot create the output folder: {}", directory.string(),
                 error ? error.message() : "not a folder");
  const std::int64_t S = trace.num_sentences();
  ThoughtAnchorsExport result;
  result.num_sentences = S;

  // chunks.json: the layout of the Thought Anchors rollout folders ({source_text, solution_text,
  // chunks}); our trace has no separate solution, so solution_text is the full text.
  Json chunks = Json::array();
  for (std::int64_t s = 0; s < S; ++s) chunks.push_back(sentence_text(trace, s));
  Json chunks_file = {
      {"source_text", trace.text}, {"solution_text", trace.text}, {"chunks", chunks}};
  write_text_atomically(directory / "chunks.json", dump(chunks_file));
  result.files.push_back(directory / "chunks.json");

  if (!trace.suppression_kl.empty()) {
    write_text_atomically(directory / "step_importance_supp.json",
                          thought_anchors_suppression_json(trace.suppression_kl, S) + "\n");
    result.files.push_back(directory / "step_importance_supp.json");
    result.suppression = true;
  } else {
    result.notes.push_back(
        "step_importance_supp.json not written: the trace has no suppression matrix (add it with "
        "`sentlens suppress --trace`)");
  }

  // summary.json: our sentence-level metrics.
  Json summary;
  summary["trace"] = source;
  summary["model"] = trace.model;
  summary["config_fingerprint"] = trace.config_fingerprint;
  summary["sentlens_version"] = trace.library_version;
  summary["profile"] = profile_name(trace.parameters.split.profile);
  summary["num_layers"] = trace.num_layers;
  summary["num_heads"] = trace.num_heads;
  summary["num_sentences"] = S;
  summary["num_tokens"] = trace.num_tokens();
  const TraceAnalysis analysis = analyze_trace(trace, options, AnalysisParts::kSentenceLevel);
  const ReceiverOptions& receiver_options = options.receivers;
  const std::int64_t top_k = analysis.receivers ? analysis.receivers->top_k
                             : receiver_options.top_k > 0
                                 ? receiver_options.top_k
                                 : default_receiver_top_k(trace.num_layers, trace.num_heads);
  summary["receiver_options"] = {{"top_k", top_k},
                                 {"proximity_ignore", receiver_options.proximity_ignore},
                                 {"control_depth", receiver_options.control_depth},
                                 {"score_type", score_type_name(receiver_options.score_type)},
                                 {"exclude_layers", receiver_options.exclude_layers},
                                 {"heads_source", options.receiver_heads_source}};
  std::vector<double> scores(static_cast<std::size_t>(S), std::nan(""));
  Json receivers = Json::array();
  if (analysis.receivers) {
    scores = analysis.receivers->traces[0].receiver_head_scores;
    const std::vector<double>& kurtosis = analysis.receivers->traces[0].kurtosis;
    for (const auto& [layer, head] : analysis.receivers->receiver_heads) {
      receivers.push_back(
          {{"layer", layer},
           {"head", head},
           {"kurtosis",
            finite_or_null(kurtosis[static_cast<std::size_t>(layer * trace.num_heads + head)])}});
    }
    result.receiver_heads = analysis.receivers->receiver_heads;
  }
  for (const std::string& warning : analysis.warnings) result.notes.push_back(warning);
  if (!analysis.receivers) summary["receiver_heads_error"] = analysis.warnings.front();
  const Json broadcasting = analysis.broadcasting;
  summary["receiver_heads"] = receivers;
  summary["broadcasting_sentences"] = broadcasting;
  Json per_chunk = Json::array();
  for (std::int64_t s = 0; s < S; ++s) {
    const TokenRange range = trace.sentence_tokens[static_cast<std::size_t>(s)];
    Json chunk = {{"chunk_idx", s},
                  {"chunk", sentence_text(trace, s)},
                  {"token_start", range.start},
                  {"token_end", range.end},
                  {"receiver_head_score", finite_or_null(scores[static_cast<std::size_t>(s)])}};
    // Black-box importance (`sentlens importance --trace`) under the original's names, as the
    // original's chunks_labeled.json carries them.
    for (const std::string& name : trace.rollout_metrics) {
      chunk[name] = finite_or_null(rollout_value(trace, s, name));
    }
    per_chunk.push_back(std::move(chunk));
  }
  summary["chunks"] = per_chunk;
  if (trace.rollout_metrics.empty()) {
    summary["rollout_importance"] = nullptr;
  } else {
    summary["rollout_importance"] = {{"rollouts", trace.rollout_source},
                                     {"embeddings", trace.rollout_embeddings}};
  }
  if (trace.suppression_kl.empty()) {
    summary["suppression"] = nullptr;
  } else {
    summary["suppression"] = {{"profile", profile_name(trace.suppression_profile.value())},
                              {"temperature", trace.suppression_temperature},
                              {"file", "step_importance_supp.json"}};
  }
  summary["notes"] = result.notes;
  write_text_atomically(directory / "summary.json", dump(summary));
  result.files.push_back(directory / "summary.json");
  return result;
}

}  // namespace sentlens
