// Example: find the attention sinks of every head (docs/metrics.md §3; ACT, Yu et al. 2024) from
// the column sums a trace accumulates during its forward pass, then calibrate the heads that spend
// most attention on sinks with the ActCalibrator editor and compare the text's perplexity.
//
// Usage: sentlens_example_sinks_and_act [MODEL_DIR [TEXT_FILE]]
// (default: the bundled demo model and its example trace)
#include <algorithm>
#include <cstdio>

#include <sentlens/sentlens.h>

int main(int argc, char** argv) {
  try {
    const std::filesystem::path model_dir = argc > 1 ? argv[1] : sentlens::demo_model_dir();
    const std::filesystem::path text_file = argc > 2 ? argv[2] : sentlens::demo_trace_file();
    const std::string text = sentlens::read_text_file(text_file);

    const auto model = sentlens::Model::load(model_dir);
    const auto tokenizer = sentlens::load_tokenizer(model_dir);

    // The trace's token rhythm holds every head's column sums Σ_i P[i, j] (key_attention).
    sentlens::TraceParameters parameters;
    parameters.token_rhythm = true;
    const auto trace = sentlens::capture_trace(model, *tokenizer, text, parameters);
    const auto sinks =
        sentlens::find_sinks(trace.rhythm.key_attention, trace.num_layers, trace.num_heads,
                             sentlens::token_texts(trace), sentlens::SinkOptions{});
    std::printf("%lld tokens; sinks with c_j > %.2f:\n", static_cast<long long>(trace.num_tokens()),
                sinks.options.threshold);
    for (const auto& head : sinks.heads) {
      std::printf(
          "  layer %lld head %lld: first-token %lld, punctuation %lld, hidden %lld, "
          "%.1f%% of its attention\n",
          static_cast<long long>(head.layer), static_cast<long long>(head.head),
          static_cast<long long>(head.first_token), static_cast<long long>(head.punctuation),
          static_cast<long long>(head.hidden), 100 * head.mass_share);
    }

    // Calibrate the two heads whose sinks take the largest share of their attention.
    auto heads = sinks.heads;
    std::sort(heads.begin(), heads.end(),
              [](const auto& a, const auto& b) { return a.mass_share > b.mass_share; });
    sentlens::ActOptions act;  // τ 0.1, β 0.4, the first token's sink kept (the paper's values)
    for (std::size_t i = 0; i < std::min<std::size_t>(2, heads.size()); ++i) {
      act.heads.push_back({heads[i].layer, heads[i].head});
    }
    std::vector<std::int64_t> ids;
    for (const auto& token : trace.tokens) ids.push_back(token.id);
    const auto report = sentlens::calibrate_text(model, ids, act);
    for (const auto& head : report.sinks) {
      std::printf("calibrated layer %lld head %lld: %zu sinks, %zu moved\n",
                  static_cast<long long>(head.layer), static_cast<long long>(head.head),
                  head.sinks.size(), head.calibrated.size());
    }
    std::printf("perplexity: plain %.4f, calibrated %.4f\n", report.perplexity_plain,
                report.perplexity_calibrated);
  } catch (const sentlens::Error& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  }
  return 0;
}
