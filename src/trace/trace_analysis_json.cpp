// The JSON of a trace's analysis: what `sentlens analyze --json` prints before its timings.
#include "trace/trace_analysis_json.h"

#include "io/json_number.h"
#include "sentlens/text/splitter.h"
#include "sentlens/util/profile.h"

namespace sentlens {

namespace {

using Json = nlohmann::ordered_json;

Json sentence_list(const Trace& trace, const TraceAnalysis& analysis) {
  Json list = Json::array();
  for (std::int64_t s = 0; s < trace.num_sentences(); ++s) {
    const auto& sentence = trace.sentences[static_cast<std::size_t>(s)];
    const auto& tokens = trace.sentence_tokens[static_cast<std::size_t>(s)];
    Json item{{"index", s},
              {"text", std::string(sentence_text(trace.text, sentence))},
              {"char_start", sentence.char_start},
              {"char_end", sentence.char_end},
              {"token_start", tokens.start},
              {"token_end", tokens.end}};
    if (analysis.receivers) {
      item["receiver_head_score"] = json_number(
          analysis.receivers->traces.front().receiver_head_scores[static_cast<std::size_t>(s)]);
    }
    list.push_back(item);
  }
  return list;
}

// Token positions with their text and value, in the order given.
Json token_list(const TraceAnalysis& analysis, const std::vector<std::int64_t>& response_indices,
                const std::vector<double>& values) {
  const TokenRoles& roles = *analysis.roles;
  Json list = Json::array();
  for (std::int64_t r : response_indices) {
    const std::int64_t position = roles.response_start + r;
    list.push_back({{"position", position},
                    {"text", analysis.token_texts[static_cast<std::size_t>(position)]},
                    {"value", json_number(values[static_cast<std::size_t>(r)])}});
  }
  return list;
}

}  // namespace

Json trace_analysis_to_json(const Trace& trace, const TraceAnalysis& analysis) {
  Json json;
  json["model"] = trace.model;
  json["tokens"] = trace.num_tokens();
  json["sentences"] = trace.num_sentences();
  json["layers"] = trace.num_layers;
  json["heads"] = trace.num_heads;
  json["sentence_list"] = sentence_list(trace, analysis);
  if (analysis.receivers) {
    const ReceiverAnalysis& receivers = *analysis.receivers;
    json["receiver_heads"] = Json::array();
    for (const auto& [layer, head] : receivers.receiver_heads) {
      json["receiver_heads"].push_back(
          {{"layer", layer},
           {"head", head},
           {"kurtosis", json_number(receivers.kurtosis_mean[static_cast<std::size_t>(
                            layer * trace.num_heads + head)])}});
    }
    json["receiver_heads_from"] = !analysis.options.receiver_heads_source.empty()
                                      ? analysis.options.receiver_heads_source
                                      : "this trace (top-k kurtosis)";
    json["broadcasting_sentences"] = analysis.broadcasting;
  }
  if (analysis.roles) {
    const TokenRoles& roles = *analysis.roles;
    json["response_start"] = roles.response_start;
    // Strongest first: anchors by FAI, preplan tokens by Δ (the WAAD drop that defines them).
    json["anchor_tokens"] =
        token_list(analysis, top_anchor_tokens(roles, roles.anchor.size()), roles.fai);
    json["preplan_tokens"] =
        token_list(analysis, top_preplan_tokens(roles, roles.preplan.size()), roles.delta);
  }
  if (analysis.sinks) {
    Json sinks = Json::array();
    for (const Sink& sink : analysis.sinks->sinks) {
      sinks.push_back({{"layer", sink.layer},
                       {"head", sink.head},
                       {"position", sink.position},
                       {"score", json_number(sink.score)},
                       {"kind", sink_kind_name(sink.kind)}});
    }
    json["sinks"] = sinks;
  }
  if (!trace.suppression_kl.empty()) {
    const std::int64_t s_count = trace.num_sentences();
    json["suppression"] = {{"profile", profile_name(trace.suppression_profile.value())},
                           {"temperature", trace.suppression_temperature},
                           {"kl_matrix", json_matrix(trace.suppression_kl, s_count, s_count)}};
  }
  json["warnings"] = analysis.warnings;
  return json;
}

std::string trace_analysis_json(const Trace& trace, const TraceAnalysis& analysis, int indent) {
  return trace_analysis_to_json(trace, analysis)
      .dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sentlens
