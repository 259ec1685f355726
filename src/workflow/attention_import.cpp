// Token rhythm and sinks of an imported [L, H, T, T] map, through the same observer as a trace.
#include "sentlens/workflow/attention_import.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include "sentlens/capture/token_rhythm_observer.h"
#include "sentlens/io/safetensors.h"
#include "sentlens/model/tensor_io.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "util/check.h"

namespace sentlens {

namespace {

// Rows per block fed to the observer: what the forward's default block size gives, so that the
// sums come out as in a trace of the same text.
constexpr std::int64_t kBlockRows = 256;

std::vector<std::string> token_labels(const AttentionDumpInput& input,
                                      const std::vector<std::int64_t>& file_ids,
                                      std::int64_t num_tokens) {
  std::vector<std::string> texts;
  if (input.tokenizer_dir.empty()) {
    for (std::int64_t t = 0; t < num_tokens; ++t) {
      texts.push_back(file_ids.empty()
                          ? fmt::format("#{}", t)
                          : fmt::format("<{}>", file_ids[static_cast<std::size_t>(t)]));
    }
    return texts;
  }
  SENTLENS_CHECK(input.text.has_value(), InputError,
                 "{}: a tokenizer folder labels the tokens of a text: give the text the attention "
                 "was computed on",
                 input.attention.string());
  const auto tokenizer = load_tokenizer(input.tokenizer_dir);
  const Encoding encoding = tokenizer->encode(*input.text, EncodeOptions{input.add_bos});
  const auto ids = encoding.ids();
  SENTLENS_CHECK(static_cast<std::int64_t>(ids.size()) == num_tokens, InputError,
                 "{}: the attention covers {} tokens, but the text gives {} with the tokenizer of "
                 "{}",
                 input.attention.string(), num_tokens, ids.size(), input.tokenizer_dir.string());
  SENTLENS_CHECK(file_ids.empty() || ids == file_ids, InputError,
                 "{}: the file's ids differ from the text's tokens under the tokenizer of {}",
                 input.attention.string(), input.tokenizer_dir.string());
  const auto bytes = static_cast<std::int64_t>(input.text->size());
  for (const Token& token : encoding.tokens) {
    const std::int64_t start = std::clamp<std::int64_t>(token.byte_start, 0, bytes);
    const std::int64_t end = std::clamp<std::int64_t>(token.byte_end, start, bytes);
    texts.push_back(
        input.text->substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start)));
  }
  return texts;
}

}  // namespace

AttentionDump read_attention_dump(const AttentionDumpInput& input,
                                  const TokenRhythmOptions& options) {
  const auto file = SafetensorsFile::open(input.attention);
  const std::string source = input.attention.string();
  const std::string name = file->contains("attentions") ? "attentions" : "attn";
  SENTLENS_CHECK(file->contains(name), FormatError,
                 "{}: no attention map: expected a tensor \"attentions\" (sentlens forward "
                 "--attention) or \"attn\", [layers, heads, tokens, tokens]",
                 source);
  const auto& shape = file->info(name).shape;
  SENTLENS_CHECK(
      shape.size() == 4 && shape[2] == shape[3] && shape[0] > 0 && shape[1] > 0 && shape[2] > 0,
      FormatError, "{}: tensor \"{}\" has shape [{}], expected [layers, heads, tokens, tokens]",
      source, name, fmt::join(shape, ", "));
  const std::int64_t L = shape[0], H = shape[1], T = shape[2];
  std::vector<std::int64_t> ids;
  if (file->contains("ids")) {
    ids = file->read_i64("ids");
    SENTLENS_CHECK(static_cast<std::int64_t>(ids.size()) == T, FormatError,
                   "{}: \"ids\" holds {} tokens, the attention {}", source, ids.size(), T);
  }
  AttentionDump dump;
  dump.source = source;
  dump.token_texts = token_labels(input, ids, T);
  const torch::Tensor attention = read_tensor(*file, name).to(torch::kFloat32);
  TokenRhythmObserver observer(options);
  observer.begin_forward(ForwardShape{L, H, 1, 0, T});
  for (std::int64_t layer = 0; layer < L; ++layer) {
    for (std::int64_t start = 0; start < T; start += kBlockRows) {
      const std::int64_t rows = std::min(kBlockRows, T - start);
      const AttentionBlock block{layer, 0, start, rows, start + rows, H};
      observer.observe(
          block, attention[layer].narrow(1, start, rows).narrow(2, 0, start + rows).contiguous());
    }
  }
  observer.end_forward();
  dump.rhythm = observer.result();
  return dump;
}

TokensReport run_tokens_on_attention(const AttentionDumpInput& input,
                                     const TokenRhythmOptions& rhythm, const TokensJob& job) {
  AttentionDump dump = read_attention_dump(input, rhythm);
  return tokens_report(dump.source, std::move(dump.token_texts), dump.rhythm, job);
}

SinksReport run_sinks_on_attention(const AttentionDumpInput& input, const SinkOptions& options) {
  AttentionDump dump = read_attention_dump(input, TokenRhythmOptions{});
  return sinks_report(dump.source, std::move(dump.token_texts), dump.rhythm, options);
}

}  // namespace sentlens
