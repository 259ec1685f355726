// Uses the installed sentlens: load the installed demo model, capture a trace of the installed
// example trace, find its receiver heads and write + read back the trace file.
#include <cstdio>

#include <sentlens/sentlens.h>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s MODEL_DIR TEXT_FILE OUT_TRACE\n", argv[0]);
    return 2;
  }
  try {
    const std::string text = sentlens::read_text_file(argv[2]);
    const auto model = sentlens::Model::load(argv[1]);
    const auto tokenizer = sentlens::load_tokenizer(argv[1]);
    const auto trace = sentlens::capture_trace(model, *tokenizer, text, {});
    sentlens::write_trace(trace, argv[3]);
    const auto read_back = sentlens::read_trace(argv[3]);
    sentlens::ReceiverOptions options;
    options.proximity_ignore = 1;
    options.top_k = 2;
    const auto analysis =
        sentlens::analyze_receivers({sentlens::sentence_matrices(read_back, argv[3])}, options);
    std::printf("consumer: %lld tokens, %lld sentences, %zu receiver heads, trace read back %s\n",
                static_cast<long long>(read_back.num_tokens()),
                static_cast<long long>(read_back.num_sentences()), analysis.receiver_heads.size(),
                read_back.sentence_attention == trace.sentence_attention ? "equal" : "DIFFERENT");
  } catch (const sentlens::Error& error) {
    std::fprintf(stderr, "consumer: %s\n", error.what());
    return 1;
  }
  return 0;
}
