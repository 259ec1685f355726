// The `sentlens receivers` job.
#include "sentlens/workflow/receivers_job.h"

#include <fstream>

#include "io/json_file.h"
#include "sentlens/io/atomic_file.h"
#include "sentlens/io/file_kind.h"
#include "sentlens/io/safetensors.h"
#include "sentlens/trace/trace.h"
#include "util/check.h"

namespace sentlens {

ReceiversReport run_receivers_job(const ReceiversJob& job) {
  SENTLENS_CHECK(job.traces.empty() != job.attention_files.empty(), InputError,
                 "give trace files or --attention files, {}",
                 job.traces.empty() ? "got neither" : "not both");
  ReceiversReport report;
  for (const auto& path : job.traces) {
    const Trace trace = read_trace(path);
    report.sources.push_back(path.string());
    report.inputs.push_back(sentence_matrices(trace, path.string()));
  }
  for (const auto& path : job.attention_files) {
    ImportedAttention imported = import_attention_file(path, job.import);
    report.sources.push_back(path.string());
    report.warnings.insert(report.warnings.end(), imported.warnings.begin(),
                           imported.warnings.end());
    report.inputs.push_back(std::move(imported.matrices));
  }
  // A bad output path fails before the analysis, not after it.
  if (!job.out.empty()) check_output_path(job.out);
  report.analysis = analyze_receivers(report.inputs, job.options);
  report.warnings.insert(report.warnings.end(), report.analysis.warnings.begin(),
                         report.analysis.warnings.end());
  for (const TraceReceiverScores& scores : report.analysis.traces) {
    report.broadcasting.push_back(
        broadcasting_sentences(scores.receiver_head_scores, job.broadcasting_count));
  }
  if (!job.out.empty()) write_receivers_file(report, job.out);
  return report;
}

namespace {

std::vector<std::pair<std::int64_t, std::int64_t>> receiver_heads_from_json(
    const nlohmann::json& json, const std::string& source) {
  const nlohmann::json* list = &json;
  if (json.is_object()) {
    const auto found = json.find("receiver_heads");
    SENTLENS_CHECK(found != json.end(), FormatError, "{}: no `receiver_heads` field", source);
    list = &*found;
  }
  SENTLENS_CHECK(list->is_array() && !list->empty(), FormatError,
                 "{}: `receiver_heads` must be a non-empty list", source);
  std::vector<std::pair<std::int64_t, std::int64_t>> heads;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& item = (*list)[i];
    const bool object = item.is_object() && item.contains("layer") && item.contains("head") &&
                        item["layer"].is_number_integer() && item["head"].is_number_integer();
    const bool pair = item.is_array() && item.size() == 2 && item[0].is_number_integer() &&
                      item[1].is_number_integer();
    SENTLENS_CHECK(object || pair, FormatError,
                   "{}: receiver_heads[{}] must be {{\"layer\": L, \"head\": H}} or [L, H]", source,
                   i);
    heads.emplace_back(object ? item["layer"].get<std::int64_t>() : item[0].get<std::int64_t>(),
                       object ? item["head"].get<std::int64_t>() : item[1].get<std::int64_t>());
    SENTLENS_CHECK(heads.back().first >= 0 && heads.back().second >= 0, FormatError,
                   "{}: receiver_heads[{}] is negative", source, i);
  }
  return heads;
}

}  // namespace

std::vector<std::pair<std::int64_t, std::int64_t>> read_receiver_heads_file(
    const std::filesystem::path& path) {
  // Checked before opening: opening a FIFO for reading would wait for a writer forever.
  std::error_code error;
  SENTLENS_CHECK(std::filesystem::is_regular_file(path, error), IoError,
                 "{}: not a regular file (expected the receiver-heads file `sentlens receivers "
                 "--out` or `--json` writes)",
                 path.string());
  // safetensors files start with an 8-byte little-endian header length, JSON with text.
  std::ifstream stream(path, std::ios::binary);
  SENTLENS_CHECK(stream.good(), IoError, "{}: cannot open the receiver-heads file", path.string());
  char first = 0;
  stream >> std::ws;
  stream.get(first);
  if (first == '{' || first == '[') {
    return receiver_heads_from_json(read_json_file(path), path.string());
  }
  const auto file = SafetensorsFile::open(path);
  SENTLENS_CHECK(file->contains("receiver_heads"), FormatError,
                 "{}: no `receiver_heads` tensor (expected the file `sentlens receivers --out` "
                 "writes): it is {}",
                 path.string(), describe_file(path));
  const TensorInfo& info = file->info("receiver_heads");
  SENTLENS_CHECK(info.shape.size() == 2 && info.shape[1] == 2 && info.shape[0] > 0, FormatError,
                 "{}: `receiver_heads` must be [k, 2] with k > 0", path.string());
  const std::vector<std::int64_t> values = file->read_i64("receiver_heads");
  std::vector<std::pair<std::int64_t, std::int64_t>> heads;
  for (std::size_t i = 0; i + 1 < values.size(); i += 2) {
    SENTLENS_CHECK(values[i] >= 0 && values[i + 1] >= 0, FormatError,
                   "{}: receiver_heads[{}] is negative", path.string(), i / 2);
    heads.emplace_back(values[i], values[i + 1]);
  }
  return heads;
}

void write_receivers_file(const ReceiversReport& report, const std::filesystem::path& path) {
  const ReceiverAnalysis& analysis = report.analysis;
  const std::int64_t layers = analysis.num_layers;
  const std::int64_t heads = analysis.num_heads;
  const bool float64 = analysis.options.control_depth;
  SafetensorsWriter writer;
  writer.set_metadata("producer", "sentlens receivers");
  writer.set_metadata("proximity_ignore", std::to_string(analysis.options.proximity_ignore));
  writer.set_metadata("control_depth", analysis.options.control_depth ? "true" : "false");
  writer.set_metadata("score_type", score_type_name(analysis.options.score_type));
  writer.set_metadata("top_k", std::to_string(analysis.options.top_k));
  auto add_scores = [&](const std::string& name, std::vector<std::int64_t> shape,
                        const std::vector<double>& values) {
    if (float64) {
      writer.add_f64(name, std::move(shape), values);
    } else {
      writer.add_f32(name, std::move(shape), std::vector<float>(values.begin(), values.end()));
    }
  };
  for (std::size_t t = 0; t < report.inputs.size(); ++t) {
    const std::int64_t s_count = report.inputs[t].num_sentences;
    const std::string suffix = "_" + std::to_string(t);
    writer.add_f32("sentence_matrices" + suffix, {layers, heads, s_count, s_count},
                   report.inputs[t].values);
    add_scores("vert_scores" + suffix, {layers, heads, s_count}, analysis.traces[t].vert_scores);
    writer.add_f64("kurtosis" + suffix, {layers, heads}, analysis.traces[t].kurtosis);
    add_scores("receiver_head_scores" + suffix, {s_count}, analysis.traces[t].receiver_head_scores);
  }
  writer.add_f64("kurtosis_mean", {layers, heads}, analysis.kurtosis_mean);
  const auto k = static_cast<std::int64_t>(analysis.top_k_flat_indices.size());
  writer.add_i64("top_k_flat_indices", {k}, analysis.top_k_flat_indices);
  std::vector<std::int64_t> pairs;
  for (const auto& [layer, head] : analysis.receiver_heads) {
    pairs.push_back(layer);
    pairs.push_back(head);
  }
  writer.add_i64("receiver_heads", {k, 2}, pairs);
  writer.write(path);
}

}  // namespace sentlens
