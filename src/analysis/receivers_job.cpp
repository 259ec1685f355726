// The `sentlens receivers` job.
#include "sentlens/analysis/receivers_job.h"

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
