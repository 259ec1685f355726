// AnalysisOptions <-> the `analysis` object of a trace's metadata.
#include "trace/analysis_options_json.h"

#include <cstdint>
#include <vector>

#include "io/json_file.h"
#include "util/check.h"

namespace sentlens {

namespace {

using Heads = std::vector<std::pair<std::int64_t, std::int64_t>>;

std::int64_t integer_at(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = object.at(key);
  SENTLENS_CHECK(value.is_number_integer(), InputError, "analysis.{} must be an integer, found {}",
                 key, json_excerpt(value));
  return value.get<std::int64_t>();
}

double number_at(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = object.at(key);
  SENTLENS_CHECK(value.is_number(), InputError, "analysis.{} must be a number, found {}", key,
                 json_excerpt(value));
  return value.get<double>();
}

std::vector<std::int64_t> integers_at(const nlohmann::json& object, const char* key) {
  const nlohmann::json& list = object.at(key);
  SENTLENS_CHECK(list.is_array(), InputError, "analysis.{} must be a list of integers", key);
  std::vector<std::int64_t> values;
  for (const nlohmann::json& value : list) {
    SENTLENS_CHECK(value.is_number_integer(), InputError,
                   "analysis.{} must be a list of integers, found {}", key, json_excerpt(value));
    values.push_back(value.get<std::int64_t>());
  }
  return values;
}

nlohmann::ordered_json heads_json(const Heads& heads) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& [layer, head] : heads) list.push_back({layer, head});
  return list;
}

Heads heads_at(const nlohmann::json& object, const char* key) {
  const nlohmann::json& list = object.at(key);
  SENTLENS_CHECK(list.is_array(), InputError, "analysis.{} must be a list of [layer, head]", key);
  Heads heads;
  for (const nlohmann::json& pair : list) {
    SENTLENS_CHECK(pair.is_array() && pair.size() == 2 && pair[0].is_number_integer() &&
                       pair[1].is_number_integer(),
                   InputError, "analysis.{} must be a list of [layer, head], found {}", key,
                   json_excerpt(pair));
    heads.emplace_back(pair[0].get<std::int64_t>(), pair[1].get<std::int64_t>());
  }
  return heads;
}

}  // namespace

nlohmann::ordered_json analysis_options_json(const AnalysisOptions& options) {
  const ReceiverOptions& receivers = options.receivers;
  const TokenRoleOptions& roles = options.roles;
  return {
      {"receivers",
       {{"proximity_ignore", receivers.proximity_ignore},
        {"control_depth", receivers.control_depth},
        {"score_type", score_type_name(receivers.score_type)},
        {"top_k", receivers.top_k},
        {"exclude_layers", receivers.exclude_layers}}},
      {"receiver_heads", heads_json(options.receiver_heads)},
      {"receiver_heads_source", options.receiver_heads_source},
      {"broadcasting_count", options.broadcasting_count},
      {"roles",
       {{"head_quantile", roles.classes.quantile},
        {"layers", roles.classes.layers},
        {"top_q", roles.top_q},
        {"k", roles.k},
        {"alpha", roles.alpha},
        {"gamma_amp", roles.gamma_amp},
        {"peak_q", roles.peak_q},
        {"seed", roles.seed},
        {"shuffles", roles.shuffles},
        {"receivers", heads_json(roles.receivers)}}},
      {"sinks", {{"threshold", options.sinks.threshold}, {"min_rows", options.sinks.min_rows}}}};
}

AnalysisOptions analysis_options_from_json(const nlohmann::json& json) {
  SENTLENS_CHECK(json.is_object(), InputError, "analysis must be an object, found {}",
                 json_excerpt(json));
  AnalysisOptions options;
  const nlohmann::json& receivers = json.at("receivers");
  options.receivers.proximity_ignore = integer_at(receivers, "proximity_ignore");
  options.receivers.control_depth = receivers.at("control_depth").get<bool>();
  options.receivers.score_type =
      parse_score_type(receivers.at("score_type").get<std::string>(), "analysis.score_type");
  options.receivers.top_k = integer_at(receivers, "top_k");
  options.receivers.exclude_layers = integers_at(receivers, "exclude_layers");
  options.receiver_heads = heads_at(json, "receiver_heads");
  options.receiver_heads_source = json.at("receiver_heads_source").get<std::string>();
  options.broadcasting_count = integer_at(json, "broadcasting_count");
  const nlohmann::json& roles = json.at("roles");
  options.roles.classes.quantile = number_at(roles, "head_quantile");
  options.roles.classes.layers = integers_at(roles, "layers");
  options.roles.top_q = number_at(roles, "top_q");
  options.roles.k = integer_at(roles, "k");
  options.roles.alpha = number_at(roles, "alpha");
  options.roles.gamma_amp = number_at(roles, "gamma_amp");
  options.roles.peak_q = number_at(roles, "peak_q");
  const nlohmann::json& seed = roles.at("seed");
  SENTLENS_CHECK(seed.is_number_unsigned(), InputError,
                 "analysis.seed must be an unsigned integer, found {}", json_excerpt(seed));
  options.roles.seed = seed.get<std::uint64_t>();
  options.roles.shuffles = integer_at(roles, "shuffles");
  options.roles.receivers = heads_at(roles, "receivers");
  const nlohmann::json& sinks = json.at("sinks");
  options.sinks.threshold = number_at(sinks, "threshold");
  options.sinks.min_rows = integer_at(sinks, "min_rows");
  return options;
}

}  // namespace sentlens
