// The JSON of the `tokens` and `sinks` reports.
#include <nlohmann/json.hpp>

#include "io/json_number.h"
#include "sentlens/workflow/token_jobs.h"

namespace sentlens {

namespace {

using Json = nlohmann::ordered_json;

std::string dump(const Json& json, int indent) {
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string tokens_report_json(const TokensReport& report, std::size_t top, int indent) {
  const TokenRoles& roles = report.roles;
  const TokenRoleOptions& options = report.options;
  const auto r0 = static_cast<std::size_t>(roles.response_start);
  Json json;
  json["trace"] = report.source;
  json["parameters"] = {{"response_start", report.rhythm_options.response_start},
                        {"window", report.rhythm_options.window},
                        {"horizon_lo", report.rhythm_options.horizon_lo},
                        {"horizon_hi", report.rhythm_options.horizon_hi},
                        {"layers", report.layers},
                        {"head_quantile", options.classes.quantile},
                        {"q", options.top_q},
                        {"k", options.k},
                        {"alpha", options.alpha},
                        {"gamma_amp", options.gamma_amp},
                        {"tau_waad", json_number(roles.tau_waad)},
                        {"tau_delta", json_number(roles.tau_delta)}};
  json["local_heads"] = roles.classes.local;
  json["global_heads"] = roles.classes.global;
  json["coupling"] = {
      {"entropy_at_waad_peaks", json_number(roles.entropy_at_waad_peaks)},
      {"entropy_mean", json_number(roles.entropy_mean)},
      {"fai_peaks_near_waad_peaks", json_number(roles.fai_peaks_near_waad_peaks)},
      {"shuffled_baseline", json_number(roles.shuffled_baseline)},
      {"receiver_peaks_on_global_peaks", json_number(roles.receiver_peaks_on_global_peaks)}};
  Json tokens = Json::array();
  for (std::size_t r = 0; r < roles.waad.size(); ++r) {
    Json token{{"position", r0 + r},
               {"text", report.token_texts[r0 + r]},
               {"waad", json_number(roles.waad[r])},
               {"delta", json_number(roles.delta[r])},
               {"fai", json_number(roles.fai[r])}};
    if (!roles.fai_receiver.empty()) token["fai_receiver"] = json_number(roles.fai_receiver[r]);
    if (!roles.entropy.empty()) token["entropy"] = json_number(roles.entropy[r]);
    token["preplan"] = static_cast<bool>(roles.preplan[r]);
    token["anchor"] = static_cast<bool>(roles.anchor[r]);
    token["dominated"] = static_cast<bool>(roles.dominated[r]);
    token["intro"] = static_cast<bool>(roles.intro[r]);
    token["intro_of"] = roles.intro_of[r];
    token["gamma"] = {{"local", roles.gamma_local[r]},
                      {"global", roles.gamma_global[r]},
                      {"coupled", roles.gamma_coupled[r]}};
    tokens.push_back(token);
  }
  json["tokens"] = tokens;
  auto positions = [r0](const std::vector<std::int64_t>& indices) {
    std::vector<std::size_t> out;
    for (auto r : indices) out.push_back(r0 + static_cast<std::size_t>(r));
    return out;
  };
  json["top_preplan"] = positions(top_preplan_tokens(roles, top));
  json["top_anchor"] = positions(top_anchor_tokens(roles, top));
  return dump(json, indent);
}

std::string sinks_report_json(const SinksReport& report, int indent) {
  Json json;
  json["trace"] = report.source;
  json["threshold"] = report.sinks.options.threshold;
  json["min_rows"] = report.sinks.options.min_rows;
  json["heads"] = Json::array();
  for (const HeadSinkSummary& h : report.sinks.heads) {
    json["heads"].push_back({{"layer", h.layer},
                             {"head", h.head},
                             {"first_token", h.first_token},
                             {"punctuation", h.punctuation},
                             {"hidden", h.hidden},
                             {"mass_share", h.mass_share}});
  }
  json["sinks"] = Json::array();
  for (const Sink& s : report.sinks.sinks) {
    json["sinks"].push_back({{"layer", s.layer},
                             {"head", s.head},
                             {"position", s.position},
                             {"score", s.score},
                             {"kind", sink_kind_name(s.kind)},
                             {"text", report.token_texts[static_cast<std::size_t>(s.position)]}});
  }
  return dump(json, indent);
}

}  // namespace sentlens
