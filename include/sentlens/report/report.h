// The HTML report of one trace (`sentlens report`): the data it shows, computed from the trace in
// C++ (receiver heads, kurtosis grid, sentence matrices, suppression, token rhythm, sinks), and the
// writer of the single self-contained HTML file (inline CSS/JS/SVG, no network, works from
// file://). Torch-free: part of sentlens_core.
#pragma once

#include "sentlens/io/atomic_file.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sentlens/analysis/receivers.h"
#include "sentlens/analysis/sinks.h"
#include "sentlens/analysis/token_rhythm.h"
#include "sentlens/trace/analysis_options.h"

namespace sentlens {

struct Trace;
struct TraceAnalysis;

/// What the report computes and how much of it is embedded.
struct ReportOptions {
  AnalysisOptions analysis;  // receiver heads, token roles, sinks (trace/analysis_options.h)
  /// Token strips are downsampled to at most this many points (max over each bucket of tokens).
  std::int64_t max_token_points = 2000;
  /// Bytes of per-head S×S matrices embedded (before base64). When every head fits as float32 all
  /// are embedded exactly; otherwise heads are quantised to 8 bits on a log scale and embedded in
  /// order (receiver heads, then by kurtosis) until the budget is spent.
  std::int64_t head_matrix_budget_bytes = 4 << 20;
  /// Strongest links listed per sentence and direction.
  std::int64_t links_per_sentence = 5;
  /// Sinks listed (strongest first); the per-head summary always covers every head.
  std::int64_t max_sinks = 4000;
  std::string title;  // page title; default: the trace file name
};

/// How a per-head matrix is stored in the report.
enum class MatrixEncoding {
  kFloat32,  // exact float32 (little endian); NaN kept
  kLog8,     // 8 bits: 0 = value <= 0, 255 = NaN, 1..254 = log10 linear in [log_lo, log_hi]
};

struct ReportMatrix {
  std::int64_t layer = -1;  // -1 for matrices that are not one head (mean, suppression)
  std::int64_t head = -1;
  MatrixEncoding encoding = MatrixEncoding::kFloat32;
  double log_lo = 0;  // kLog8 only
  double log_hi = 0;
  std::vector<float> values;        // kFloat32: [S, S] row-major, row i (reader / target),
                                    // column j (source); empty when absent
  std::vector<std::uint8_t> codes;  // kLog8: [S, S] codes, same order

  bool empty() const { return values.empty() && codes.empty(); }
};

/// Decodes a kLog8 byte (the rule the report's JavaScript uses; for tests).
float decode_log8(std::uint8_t code, double log_lo, double log_hi);
/// Encodes one value with the rule of decode_log8.
std::uint8_t encode_log8(float value, double log_lo, double log_hi);

struct ReportLink {
  std::int64_t sentence = 0;
  double value = 0;
};

struct ReportSentence {
  std::string text;
  std::int64_t token_start = 0;
  std::int64_t token_end = 0;
  double receiver_score = 0;        // NaN when undefined (last proximity_ignore sentences)
  std::vector<ReportLink> reads;    // strongest j < i of row i of the receiver-head mean
  std::vector<ReportLink> read_by;  // strongest k > i of column i of the receiver-head mean
  /// Black-box importance (`sentlens importance --trace`): one value per name of
  /// ReportData::rollout_metrics, NaN where the sentence was not analysed; empty when absent.
  std::vector<double> rollout;
};

/// One bucket of the downsampled token strips (response tokens only).
struct TokenPoint {
  std::int64_t start = 0;  // first token position of the bucket
  std::int64_t count = 0;  // tokens in the bucket
  double waad = 0;         // max over the bucket (NaN if none finite)
  double fai = 0;
  std::int64_t preplan = 0;  // preplan / anchor tokens in the bucket
  std::int64_t anchor = 0;
  std::int64_t sentence = -1;  // sentence of the first token
  std::string text;            // text of the bucket's tokens, truncated
};

struct ReportSink {
  std::int64_t layer = 0;
  std::int64_t head = 0;
  std::int64_t position = 0;
  double score = 0;
  SinkKind kind = SinkKind::kHidden;
  std::string text;
};

/// Everything the report shows.
struct ReportData {
  std::string title;
  std::string source;  // trace file
  std::string model;
  std::string library_version;
  std::string profile;
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;
  std::int64_t num_sentences = 0;
  std::int64_t num_tokens = 0;
  ReceiverOptions receiver_options;       // top_k resolved
  std::string receiver_heads_source;      // file the receiver heads came from ("" = this trace)
  std::vector<ReportSentence> sentences;  // [S]
  std::vector<double> kurtosis;           // [L, H]; NaN when undefined
  std::vector<std::pair<std::int64_t, std::int64_t>> receivers;  // (layer, head), best first
  std::vector<std::int64_t> broadcasting;  // the top broadcasting sentences, best first
  ReportMatrix receiver_mean;  // mean over the receiver heads (all heads when there are none)
  std::vector<ReportMatrix> head_matrices;   // the embedded per-head matrices
  std::int64_t heads_omitted = 0;            // heads whose matrix was not embedded
  std::vector<std::string> rollout_metrics;  // names of ReportSentence::rollout; empty = none
  std::string rollout_embeddings;            // which embeddings the importance used
  ReportMatrix suppression;                  // E[target, suppressed]; values empty when absent
  std::string suppression_profile;
  // Token rhythm (empty points when the trace has none).
  std::vector<TokenPoint> token_points;
  std::int64_t token_bucket = 1;  // tokens per point
  std::int64_t response_start = 0;
  std::int64_t preplan_total = 0;
  std::int64_t anchor_total = 0;
  std::vector<std::pair<std::int64_t, std::int64_t>> local_heads, global_heads;
  // Sinks.
  std::vector<HeadSinkSummary> sink_heads;  // [L·H] layer-major; empty without token rhythm
  std::vector<ReportSink> sinks;            // strongest first, at most max_sinks
  std::int64_t sinks_total = 0;
  std::int64_t sink_min_rows = 1;  // keys with fewer query rows are never sinks
  std::vector<std::string> notes;  // what was left out or could not be computed, and why
};

/// Computes the report's data from a trace. Throws InputError for bad options; parts that cannot
/// be computed for this trace (too few sentences for receiver heads, no token rhythm) are left
/// empty with a note.
ReportData build_report_data(const Trace& trace, const ReportOptions& options,
                             const std::string& source);

/// build_report_data with the trace's analysis already computed (analyze_trace with
/// options.analysis), as `sentlens analyze --report` has it.
ReportData build_report_data(const Trace& trace, const TraceAnalysis& analysis,
                             const ReportOptions& options, const std::string& source);

/// The report's data as the JSON object the page reads (for tests and other viewers).
std::string report_data_json(const ReportData& data);

/// The report as one self-contained HTML document.
std::string render_html_report(const ReportData& data);

/// Writes the report atomically (temporary file + rename); returns its size in bytes. Throws
/// IoError naming the file.
std::uintmax_t write_html_report(const ReportData& data, const std::filesystem::path& path);

}  // namespace sentlens
