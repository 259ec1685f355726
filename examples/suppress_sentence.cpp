// Example: the causal effect of one sentence on another by attention suppression (Thought Anchors,
// Bogdan et al. 2025, §3.3; docs/metrics.md §1.8). Mask every head's attention to the source
// sentence's tokens with a SuppressionEditor, compare the next-token distributions of the target
// sentence with and without the mask, and average ln(KL + 1e-9) over the target's positions. The
// same cell of the full matrix from suppression_matrix (prefix reuse, batching) must agree.
//
// Usage: sentlens_example_suppress_sentence [MODEL_DIR [TEXT_FILE [SOURCE TARGET]]]
// (default: the bundled demo model and trace; source 1, target the last sentence)
#include <cmath>
#include <cstdio>
#include <string>

#include <sentlens/sentlens.h>

int main(int argc, char** argv) {
  try {
    const std::filesystem::path model_dir = argc > 1 ? argv[1] : sentlens::demo_model_dir();
    const std::filesystem::path text_file = argc > 2 ? argv[2] : sentlens::demo_trace_file();
    const std::string text = sentlens::read_text_file(text_file);

    const auto model = sentlens::Model::load(model_dir);
    const auto tokenizer = sentlens::load_tokenizer(model_dir);
    const auto aligned = sentlens::align_text(*tokenizer, text, sentlens::TraceParameters{});
    const auto& sentences = aligned.sentence_tokens;
    const auto count = static_cast<std::int64_t>(sentences.size());
    const std::int64_t source = argc > 4 ? std::stoll(argv[3]) : 1;
    const std::int64_t target = argc > 4 ? std::stoll(argv[4]) : count - 1;
    if (source < 0 || target <= source || target >= count) {
      throw sentlens::InputError("source and target must satisfy 0 <= source < target < " +
                                 std::to_string(count) + " (the number of sentences)");
    }
    auto say = [&](const char* what, std::int64_t sentence) {
      const auto span = sentlens::sentence_text(text, aligned.split.sentences[sentence]);
      std::printf("%s sentence %lld: %.*s\n", what, static_cast<long long>(sentence),
                  static_cast<int>(span.size()), span.data());
    };
    say("source", source);
    say("target", target);

    // Baseline and suppressed logits [T, V].
    const auto ids = torch::tensor(aligned.encoding.ids());
    const auto baseline = model.forward(ids).logits;
    sentlens::SuppressionEditor editor({{sentences[source]}}, sentlens::Profile::kClean);
    sentlens::ForwardOptions suppressed_options;
    suppressed_options.editors = {&editor};
    const auto suppressed = model.forward(ids, suppressed_options).logits;

    // KL(baseline || suppressed) at temperature 0.6 per position, over the whole vocabulary.
    const sentlens::SuppressionOptions options;  // clean profile, temperature 0.6
    const auto kl = sentlens::token_kl(baseline, suppressed, options);
    double sum = 0;
    for (auto t = sentences[target].start; t < sentences[target].end; ++t) {
      sum += std::log(kl[static_cast<std::size_t>(t)] + 1e-9);
    }
    const double effect = sum / static_cast<double>(sentences[target].size());
    std::printf("E[target, source] = mean ln(KL + 1e-9) over %lld target tokens = %.6f\n",
                static_cast<long long>(sentences[target].size()), effect);

    // The whole S x S matrix, as `sentlens suppress` computes it.
    const auto matrix = sentlens::suppression_matrix(model, ids, sentences, options);
    std::printf("suppression_matrix cell: %.6f (%s)\n", matrix.at(target, source),
                std::abs(matrix.at(target, source) - effect) < 1e-4 ? "agrees" : "DIFFERS");
    std::printf("effect on the target of suppressing each earlier sentence:\n");
    for (std::int64_t sentence = 0; sentence < target; ++sentence) {
      std::printf("  sentence %lld: %.3f\n", static_cast<long long>(sentence),
                  matrix.at(target, sentence));
    }
  } catch (const sentlens::Error& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  }
  return 0;
}
