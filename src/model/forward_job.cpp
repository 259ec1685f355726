// The `sentlens forward` job.
#include "sentlens/model/forward_job.h"

#include <chrono>
#include <optional>

#include <torch/torch.h>

#include "sentlens/io/atomic_file.h"
#include "sentlens/model/attention_recorder.h"
#include "sentlens/model/layer_progress.h"
#include "sentlens/model/model.h"
#include "sentlens/model/tensor_io.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "util/check.h"
#include "util/seconds.h"

namespace sentlens {

namespace {
bool has_tokenizer(const std::filesystem::path& directory) {
  for (const char* name : {"tokenizer.json", "tokenizer.model", "vocab.json"}) {
    if (std::filesystem::exists(directory / name)) return true;
  }
  return false;
}
}  // namespace

ForwardSummary run_forward_job(const ForwardJob& job) {
  SENTLENS_CHECK(job.text.has_value() != !job.ids.empty(), InputError,
                 "give either a text or token ids, not {}", job.text ? "both" : "neither");
  SENTLENS_CHECK(!job.out.empty(), InputError, "no output file given");
  check_output_path(job.out);  // an output that cannot be written fails before the forward
  ForwardSummary summary;
  auto start = std::chrono::steady_clock::now();
  if (job.on_progress) job.on_progress("loading " + job.model.dir.string());
  const Model model = job.model.load_model();
  summary.threads = compute_threads();
  std::unique_ptr<Tokenizer> tokenizer;
  if (!job.model.tokenizer.empty()) {
    tokenizer = load_tokenizer(job.model.tokenizer);
  } else if (job.text || has_tokenizer(job.model.dir)) {
    tokenizer = load_tokenizer(job.model.dir);
  }
  summary.load_seconds = seconds_since(start);

  if (job.text) {
    SENTLENS_CHECK(!job.text->empty(), InputError, "empty input: the text has no characters");
    summary.ids = tokenizer->encode(*job.text, EncodeOptions{job.add_bos}).ids();
    SENTLENS_CHECK(!summary.ids.empty(), InputError, "empty input: the text gave no tokens");
  } else {
    summary.ids = job.ids;
  }
  auto ids = torch::tensor(summary.ids, torch::kInt64);

  start = std::chrono::steady_clock::now();
  AttentionRecorder recorder;
  ForwardOptions options(job.forward);
  options.compute_logits = true;  // the summary's top-5 needs them even when they are not saved
  options.return_hidden = job.save_hidden;
  if (job.save_attention) options.observers.push_back(&recorder);
  std::optional<LayerProgress> progress;
  if (job.on_progress) {
    progress.emplace(job.on_progress);
    options.observers.push_back(&*progress);
  }
  const ForwardResult result = model.forward(ids, options);
  summary.forward_seconds = seconds_since(start);

  auto last = torch::softmax(result.logits[-1], -1);
  auto top = last.topk(std::min<std::int64_t>(5, last.size(0)));
  for (std::int64_t i = 0; i < std::get<0>(top).size(0); ++i) {
    NextToken next;
    next.id = std::get<1>(top)[i].item<std::int64_t>();
    next.probability = std::get<0>(top)[i].item<double>();
    if (tokenizer && next.id < tokenizer->vocab_size())
      next.piece = tokenizer->id_to_piece(next.id);
    summary.top_next.push_back(std::move(next));
  }

  start = std::chrono::steady_clock::now();
  SafetensorsWriter writer;
  writer.set_metadata("producer", "sentlens forward");
  writer.set_metadata("model", job.model.dir.string());
  writer.set_metadata("config_fingerprint", model.config().fingerprint());
  auto save = [&](const std::string& name, const torch::Tensor& tensor) {
    add_tensor(writer, name, tensor);
    summary.saved.emplace_back(name, tensor.sizes().vec());
  };
  save("ids", ids);
  if (job.save_logits) save("logits", result.logits);
  if (job.save_hidden) save("hidden", result.hidden);
  if (job.save_attention) save("attentions", recorder.attentions());
  writer.write(job.out);
  summary.write_seconds = seconds_since(start);
  return summary;
}

}  // namespace sentlens
