// Example: analyse one reasoning trace and print its broadcasting sentences (Thought Anchors,
// Bogdan et al. 2025, §3.2): capture the sentence-averaged attention in one forward pass, find the
// receiver heads by the kurtosis of their vertical scores, and rank the sentences by how much those
// heads attend to them from later sentences.
//
// Usage: sentlens_example_broadcasting_sentences [MODEL_DIR [TEXT_FILE]]
// (default: the bundled demo model and its example trace)
#include <cstdio>

#include <sentlens/sentlens.h>

int main(int argc, char** argv) {
  try {
    const std::filesystem::path model_dir = argc > 1 ? argv[1] : sentlens::demo_model_dir();
    const std::filesystem::path text_file = argc > 2 ? argv[2] : sentlens::demo_trace_file();
    const std::string text = sentlens::read_text_file(text_file);

    const auto model = sentlens::Model::load(model_dir);
    const auto tokenizer = sentlens::load_tokenizer(model_dir);

    // Tokenize, split after <think> into sentences, and pool every head's attention into a
    // sentence x sentence matrix while the forward pass runs.
    sentlens::TraceParameters parameters;
    const sentlens::Trace trace = sentlens::capture_trace(model, *tokenizer, text, parameters);
    std::printf("%lld tokens, %lld sentences, %lld x %lld heads\n",
                static_cast<long long>(trace.num_tokens()),
                static_cast<long long>(trace.num_sentences()),
                static_cast<long long>(trace.num_layers), static_cast<long long>(trace.num_heads));

    // The demo traces have 4-8 sentences: ignore only the diagonal (the paper's 4 is meant for
    // traces of hundreds of sentences) and keep the 4 heads of highest kurtosis.
    sentlens::ReceiverOptions options;
    options.proximity_ignore = 1;
    options.top_k = 4;
    const auto analysis = sentlens::analyze_receivers(
        {sentlens::sentence_matrices(trace, text_file.string())}, options);
    std::printf("receiver heads (layer, head):");
    for (const auto& [layer, head] : analysis.receiver_heads) {
      std::printf(" (%lld, %lld)", static_cast<long long>(layer), static_cast<long long>(head));
    }
    std::printf("\n");

    const auto& scores = analysis.traces[0].receiver_head_scores;
    const auto top = sentlens::broadcasting_sentences(scores, 3);
    std::printf("broadcasting sentences, highest receiver-head score first:\n");
    for (const auto sentence : top) {
      const auto span = sentlens::sentence_text(trace.text, trace.sentences[sentence]);
      std::printf("  sentence %lld  score %.4f  %.*s\n", static_cast<long long>(sentence),
                  scores[sentence], static_cast<int>(span.size()), span.data());
    }
  } catch (const sentlens::Error& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  }
  return 0;
}
