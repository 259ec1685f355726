// Example: write your own AttentionObserver. This one measures, per layer and head, how much
// attention the text's tokens give to a chosen token range (here: the first token, BOS, the usual
// attention sink) while the forward pass runs, without ever keeping the full attention maps.
//
// Usage: sentlens_example_custom_observer MODEL_DIR ["text"]
#include <cstdio>

#include <sentlens/sentlens.h>

namespace {

class AttentionToRange final : public sentlens::AttentionObserver {
 public:
  AttentionToRange(std::int64_t first, std::int64_t last) : first_(first), last_(last) {}

  void begin_forward(const sentlens::ForwardShape& shape) override {
    mass_ = torch::zeros({shape.num_layers, shape.num_heads}, torch::kFloat64);
    rows_ = 0;
  }

  // probs: [heads, rows, keys] for query rows block.query_start .. + block.query_count.
  void observe(const sentlens::AttentionBlock& block, const torch::Tensor& probs) override {
    const auto end = std::min(last_, block.key_count);
    if (end <= first_) return;
    auto to_range = probs.narrow(-1, first_, end - first_).sum({-1, -2});  // [heads]
    mass_[block.layer] += to_range.to(torch::kFloat64).cpu();
    if (block.layer == 0) rows_ += block.query_count;
  }

  /// Mean share of each row's attention that goes to the range: [layers, heads].
  torch::Tensor mean_share() const { return mass_ / static_cast<double>(rows_); }

 private:
  std::int64_t first_, last_;
  torch::Tensor mass_;
  std::int64_t rows_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL_DIR [\"text\"]\n", argv[0]);
    return 2;
  }
  try {
    const std::string text = argc > 2 ? argv[2] : "Once upon a time, there was a little girl.";
    const auto model = sentlens::Model::load(argv[1]);
    const auto tokenizer = sentlens::load_tokenizer(argv[1]);
    const auto ids = torch::tensor(tokenizer->encode(text).ids());

    AttentionToRange observer(0, 1);  // the first token
    sentlens::ForwardOptions options;
    options.block_size = 8;  // any block size gives the same numbers
    options.observers = {&observer};
    model.forward(ids, options);

    const auto share = observer.mean_share();
    std::printf("%lld tokens; mean attention to the first token, per layer and head:\n",
                static_cast<long long>(ids.size(0)));
    for (std::int64_t layer = 0; layer < share.size(0); ++layer) {
      std::printf("layer %lld:", static_cast<long long>(layer));
      for (std::int64_t head = 0; head < share.size(1); ++head) {
        std::printf(" %.3f", share[layer][head].item<double>());
      }
      std::printf("\n");
    }
    const auto strongest = share.argmax().item<std::int64_t>();
    std::printf("strongest sink head: layer %lld head %lld (%.3f)\n",
                static_cast<long long>(strongest / share.size(1)),
                static_cast<long long>(strongest % share.size(1)),
                share.flatten()[strongest].item<double>());
  } catch (const sentlens::Error& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  }
  return 0;
}
