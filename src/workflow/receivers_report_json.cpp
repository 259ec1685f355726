// The JSON of a receivers report: what `sentlens receivers --json` prints and
// read_receiver_heads_file reads back.
#include "workflow/receivers_report_json.h"

#include "io/json_number.h"

namespace sentlens {

nlohmann::ordered_json receivers_report_to_json(const ReceiversReport& report) {
  using Json = nlohmann::ordered_json;
  const ReceiverAnalysis& analysis = report.analysis;
  Json json;
  json["receiver_heads"] = Json::array();
  for (std::size_t r = 0; r < analysis.receiver_heads.size(); ++r) {
    const auto flat = static_cast<std::size_t>(analysis.top_k_flat_indices[r]);
    json["receiver_heads"].push_back(
        {{"layer", analysis.receiver_heads[r].first},
         {"head", analysis.receiver_heads[r].second},
         {"kurtosis_mean", json_number(analysis.kurtosis_mean[flat])}});
  }
  json["traces"] = Json::array();
  for (std::size_t t = 0; t < report.sources.size(); ++t) {
    Json scores = Json::array();
    for (double v : analysis.traces[t].receiver_head_scores) scores.push_back(json_number(v));
    json["traces"].push_back({{"source", report.sources[t]},
                              {"receiver_head_scores", scores},
                              {"broadcasting_sentences", report.broadcasting[t]}});
  }
  json["warnings"] = report.warnings;
  return json;
}

std::string receivers_report_json(const ReceiversReport& report, int indent) {
  return receivers_report_to_json(report).dump(indent, ' ', false,
                                               nlohmann::json::error_handler_t::replace);
}

}  // namespace sentlens
