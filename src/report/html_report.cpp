// The HTML report file: the report data as one JSON object, embedded in the page template
// (report_template.cpp), written atomically.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/report_template.h"
#include "sentlens/io/atomic_file.h"
#include "sentlens/report/report.h"
#include "util/check.h"

namespace sentlens {

namespace {

using Json = nlohmann::ordered_json;

// A double for the page: 4 significant digits (what a colour or a label can show), NaN as null.
Json number(double value) {
  if (!std::isfinite(value)) return Json(nullptr);
  return Json(std::stod(fmt::format("{:.4g}", value)));
}

std::string base64(const std::uint8_t* bytes, std::size_t size) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < size; i += 3) {
    const std::uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < size) {
    std::uint32_t v = bytes[i] << 16;
    if (i + 1 < size) v |= bytes[i + 1] << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < size ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Float32 little endian, as the page's Float32Array reads it.
std::string float32_base64(const std::vector<float>& values) {
  std::vector<std::uint8_t> bytes(values.size() * 4);
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &values[i], 4);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<std::uint8_t>(bits >> (8 * b));
  }
  return base64(bytes.data(), bytes.size());
}

Json matrix_json(const ReportMatrix& matrix) {
  if (matrix.empty()) return Json(nullptr);
  Json json;
  if (matrix.layer >= 0) {
    json["l"] = matrix.layer;
    json["h"] = matrix.head;
  }
  if (matrix.encoding == MatrixEncoding::kFloat32) {
    json["enc"] = "f32";
    json["data"] = float32_base64(matrix.values);
  } else {
    json["enc"] = "log8";
    json["lo"] = matrix.log_lo;
    json["hi"] = matrix.log_hi;
    json["data"] = base64(matrix.codes.data(), matrix.codes.size());
  }
  return json;
}

Json head_list(const std::vector<std::pair<std::int64_t, std::int64_t>>& heads) {
  Json list = Json::array();
  for (const auto& [layer, head] : heads) list.push_back({layer, head});
  return list;
}

Json links_json(const std::vector<ReportLink>& links) {
  Json list = Json::array();
  for (const ReportLink& link : links) list.push_back({link.sentence, number(link.value)});
  return list;
}

std::string escape_html(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void replace_once(std::string& text, const std::string& marker, const std::string& value) {
  const auto at = text.find(marker);
  SENTLENS_CHECK(at != std::string::npos, Error, "report template has no {} marker", marker);
  text.replace(at, marker.size(), value);
}

}  // namespace

std::string report_data_json(const ReportData& data) {
  Json json;
  json["title"] = data.title;
  json["source"] = data.source;
  json["model"] = data.model;
  json["version"] = data.library_version;
  json["profile"] = data.profile;
  json["L"] = data.num_layers;
  json["H"] = data.num_heads;
  json["S"] = data.num_sentences;
  json["T"] = data.num_tokens;
  json["receiver_options"] = {{"top_k", data.receiver_options.top_k},
                              {"proximity_ignore", data.receiver_options.proximity_ignore},
                              {"control_depth", data.receiver_options.control_depth},
                              {"score_type", score_type_name(data.receiver_options.score_type)},
                              {"heads_source", data.receiver_heads_source}};
  Json sentences = Json::array();
  for (const ReportSentence& s : data.sentences) {
    Json rollout = Json::object();
    for (std::size_t m = 0; m < s.rollout.size(); ++m) {
      rollout[data.rollout_metrics[m]] = number(s.rollout[m]);
    }
    sentences.push_back({{"text", s.text},
                         {"tokens", {s.token_start, s.token_end}},
                         {"score", number(s.receiver_score)},
                         {"reads", links_json(s.reads)},
                         {"read_by", links_json(s.read_by)},
                         {"rollout", std::move(rollout)}});
  }
  json["sentences"] = std::move(sentences);
  json["rollout_embeddings"] = data.rollout_embeddings;
  Json kurtosis = Json::array();
  for (double k : data.kurtosis) kurtosis.push_back(number(k));
  json["kurtosis"] = std::move(kurtosis);
  json["receivers"] = head_list(data.receivers);
  json["broadcasting"] = data.broadcasting;
  json["mean"] = matrix_json(data.receiver_mean);
  Json heads = Json::array();
  for (const ReportMatrix& m : data.head_matrices) heads.push_back(matrix_json(m));
  json["heads"] = std::move(heads);
  json["heads_omitted"] = data.heads_omitted;
  json["suppression"] = matrix_json(data.suppression);
  json["suppression_profile"] = data.suppression_profile;
  if (data.token_points.empty()) {
    json["tokens"] = nullptr;
  } else {
    Json start = Json::array(), count = Json::array(), waad = Json::array(), fai = Json::array(),
         preplan = Json::array(), anchor = Json::array(), sentence = Json::array(),
         text = Json::array();
    for (const TokenPoint& p : data.token_points) {
      start.push_back(p.start);
      count.push_back(p.count);
      waad.push_back(number(p.waad));
      fai.push_back(number(p.fai));
      preplan.push_back(p.preplan);
      anchor.push_back(p.anchor);
      sentence.push_back(p.sentence);
      text.push_back(p.text);
    }
    json["tokens"] = {{"bucket", data.token_bucket},
                      {"response_start", data.response_start},
                      {"preplan_total", data.preplan_total},
                      {"anchor_total", data.anchor_total},
                      {"local", head_list(data.local_heads)},
                      {"global", head_list(data.global_heads)},
                      {"start", start},
                      {"count", count},
                      {"waad", waad},
                      {"fai", fai},
                      {"preplan", preplan},
                      {"anchor", anchor},
                      {"sentence", sentence},
                      {"text", text}};
  }
  Json sink_heads = Json::array();
  for (const HeadSinkSummary& h : data.sink_heads) {
    sink_heads.push_back({h.first_token, h.punctuation, h.hidden, number(h.mass_share)});
  }
  json["sink_heads"] = std::move(sink_heads);  // [L·H] layer-major: first, punct, hidden, mass
  Json sinks = Json::array();
  for (const ReportSink& s : data.sinks) {
    sinks.push_back({s.layer, s.head, s.position, number(s.score), sink_kind_name(s.kind), s.text});
  }
  json["sinks"] = std::move(sinks);
  json["sinks_total"] = data.sinks_total;
  json["sink_min_rows"] = data.sink_min_rows;
  json["notes"] = data.notes;
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string render_html_report(const ReportData& data) {
  std::string json = report_data_json(data);
  // '<' only occurs inside JSON strings, where \u003c means the same: the script element can then
  // never be closed (or commented) by the data.
  std::string safe;
  safe.reserve(json.size() + 64);
  for (char c : json) {
    if (c == '<') {
      safe += "\\u003c";
    } else {
      safe += c;
    }
  }
  std::string html(report_template());
  replace_once(html, "@SENTLENS_TITLE@", escape_html(data.title));
  replace_once(html, "@SENTLENS_DATA@", safe);
  return html;
}

std::uintmax_t write_html_report(const ReportData& data, const std::filesystem::path& path) {
  const std::string html = render_html_report(data);
  write_text_atomically(path, html);
  return html.size();
}

}  // namespace sentlens
