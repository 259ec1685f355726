// The demo model's training loop.
#include "demo/train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <random>

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "demo/corpus.h"
#include "sentlens/error.h"
#include "sentlens/model/model.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "util/seconds.h"

namespace sentlens::demo {

namespace {

using Clock = std::chrono::steady_clock;

// BOS + text + EOS of one trace, and the loss weight of predicting each token (weights[t] for
// ids[t]; weights[0], for BOS, is unused).
struct EncodedTrace {
  std::vector<std::int64_t> ids;
  std::vector<float> weights;
};

// The problem before <think> (and <think> itself) is drawn at random, so predicting it teaches
// nothing: weight 0, as in reasoning fine-tuning where the loss is on the response. The answer
// sentence and EOS get answer_weight: the copy from an earlier step is a few tokens per trace and
// is what the evaluation checks.
std::vector<EncodedTrace> encode_all(const Tokenizer& tokenizer,
                                     const std::vector<DemoTrace>& traces, std::int64_t eos,
                                     double answer_weight) {
  std::vector<EncodedTrace> out;
  out.reserve(traces.size());
  for (const auto& trace : traces) {
    const Encoding encoding = tokenizer.encode(trace.text);
    const std::int64_t response_start =
        static_cast<std::int64_t>(trace.text.find("<think>") + std::string("<think>").size());
    const auto answer_start =
        static_cast<std::int64_t>(trace.text.size() - trace.sentences.back().size());
    EncodedTrace encoded;
    for (const Token& token : encoding.tokens) {
      encoded.ids.push_back(token.id);
      float weight = 1.0f;
      if (token.special || token.byte_end <= response_start) weight = 0.0f;
      if (token.byte_end > answer_start) weight = static_cast<float>(answer_weight);
      encoded.weights.push_back(weight);
    }
    encoded.ids.push_back(eos);
    encoded.weights.push_back(static_cast<float>(answer_weight));
    out.push_back(std::move(encoded));
  }
  return out;
}

struct Batch {
  torch::Tensor ids;      // [B, T], right-padded with EOS
  torch::Tensor targets;  // [B, T - 1]
  torch::Tensor weights;  // [B, T - 1], 0 where padded or not trained on
};

Batch make_batch(const std::vector<EncodedTrace>& sequences,
                 const std::vector<std::size_t>& indices, std::int64_t pad) {
  std::size_t length = 0;
  for (auto i : indices) length = std::max(length, sequences[i].ids.size());
  const auto B = static_cast<std::int64_t>(indices.size());
  const auto T = static_cast<std::int64_t>(length);
  Batch batch{torch::full({B, T}, pad, torch::kInt64), torch::full({B, T - 1}, pad, torch::kInt64),
              torch::zeros({B, T - 1}, torch::kFloat32)};
  auto ids_a = batch.ids.accessor<std::int64_t, 2>();
  auto targets_a = batch.targets.accessor<std::int64_t, 2>();
  auto weights_a = batch.weights.accessor<float, 2>();
  for (std::int64_t b = 0; b < B; ++b) {
    const auto& sequence = sequences[indices[static_cast<std::size_t>(b)]];
    for (std::size_t t = 0; t < sequence.ids.size(); ++t) {
      ids_a[b][static_cast<std::int64_t>(t)] = sequence.ids[t];
      if (t > 0) {
        targets_a[b][static_cast<std::int64_t>(t) - 1] = sequence.ids[t];
        weights_a[b][static_cast<std::int64_t>(t) - 1] = sequence.weights[t];
      }
    }
  }
  return batch;
}

// The weighted mean cross-entropy of the batch (nats per weighted token).
torch::Tensor batch_loss(const Model& model, const Batch& batch, bool grad) {
  ForwardOptions forward;
  forward.enable_grad = grad;
  forward.block_size = batch.ids.size(1);
  auto logits = model.forward(batch.ids, forward).logits;  // [B, T, V]
  const auto V = logits.size(-1);
  auto predicted = logits.narrow(1, 0, batch.ids.size(1) - 1).reshape({-1, V});
  auto per_token = torch::nn::functional::cross_entropy(
      predicted, batch.targets.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  const auto weights = batch.weights.reshape({-1});
  return (per_token * weights).sum() / weights.sum().clamp_min(1e-6);
}

std::string format_duration(double seconds) {
  const auto total = static_cast<std::int64_t>(std::max(0.0, seconds));
  return fmt::format("{}:{:02d}", total / 60, total % 60);
}

}  // namespace

ModelConfig demo_config(const TrainOptions& options, std::int64_t vocab_size) {
  ModelConfig config;
  config.model_type = "llama";
  config.hidden_size = options.hidden_size;
  config.num_layers = options.num_layers;
  config.num_heads = options.num_heads;
  config.num_kv_heads = options.num_kv_heads;
  config.head_dim = options.hidden_size / options.num_heads;
  config.intermediate_size = options.intermediate_size;
  config.vocab_size = vocab_size;
  config.max_position_embeddings = options.max_positions;
  config.norm_eps = 1e-5;
  config.rope_theta = 10000.0;
  config.tie_word_embeddings = true;
  config.bos_token_id = 1;
  config.eos_token_ids = {2};
  config.torch_dtype = "float32";
  return config;
}

TrainSummary train_model(const TrainOptions& options) {
  const auto tokenizer = load_tokenizer(options.model_dir / "tokenizer.model");
  const std::int64_t eos = tokenizer->eos_id().value_or(2);
  const auto train_traces = read_traces(options.data_dir / "train.jsonl");
  const auto held_out_traces = read_traces(options.data_dir / "heldout.jsonl");
  const auto train = encode_all(*tokenizer, train_traces, eos, options.answer_loss_weight);
  const std::vector<DemoTrace> validation_traces(
      held_out_traces.begin(),
      held_out_traces.begin() + std::min<std::ptrdiff_t>(200, held_out_traces.size()));
  const auto validation =
      encode_all(*tokenizer, validation_traces, eos, options.answer_loss_weight);
  for (const auto& sequence : train) {
    if (static_cast<std::int64_t>(sequence.ids.size()) > options.max_positions) {
      throw InputError(fmt::format("a training trace has {} tokens, more than {} positions",
                                   sequence.ids.size(), options.max_positions));
    }
  }

  LoadOptions load;
  load.threads = options.threads;
  Model model = Model::create(demo_config(options, tokenizer->vocab_size()), options.seed, load);
  torch::manual_seed(options.seed);
  std::vector<torch::Tensor> decay, no_decay;
  for (auto& parameter : model.parameters()) {
    parameter.set_requires_grad(true);
    (parameter.dim() >= 2 ? decay : no_decay).push_back(parameter);
  }
  std::vector<torch::Tensor> all = decay;
  all.insert(all.end(), no_decay.begin(), no_decay.end());
  auto group_options = [&](double weight_decay) {
    auto adamw = std::make_unique<torch::optim::AdamWOptions>(options.learning_rate);
    adamw->betas({0.9, 0.95}).eps(1e-8).weight_decay(weight_decay);
    return adamw;
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, group_options(options.weight_decay));
  groups.emplace_back(no_decay, group_options(0.0));
  torch::optim::AdamW optimizer(std::move(groups),
                                torch::optim::AdamWOptions(options.learning_rate));

  fmt::print(stderr, "demo model: {} parameters, {} training traces, {} steps of {} traces\n",
             model.parameter_count(), train.size(), options.steps, options.batch_size);

  std::mt19937_64 random(options.seed);
  std::vector<std::size_t> order(train.size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), random);
  std::size_t cursor = 0;

  std::ofstream log(options.data_dir / "training_log.csv", std::ios::trunc);
  log << "step,loss,learning_rate,tokens,seconds\n";
  TrainSummary summary;
  summary.parameters = model.parameter_count();
  std::vector<double> losses;
  const auto start = Clock::now();
  double interval_loss = 0;
  std::int64_t interval_steps = 0;
  for (std::int64_t step = 1; step <= options.steps; ++step) {
    double lr = options.learning_rate;
    if (step <= options.warmup_steps) {
      lr *= static_cast<double>(step) / static_cast<double>(options.warmup_steps);
    } else {
      const double progress =
          static_cast<double>(step - options.warmup_steps) /
          static_cast<double>(std::max<std::int64_t>(1, options.steps - options.warmup_steps));
      lr *= 0.1 + 0.9 * 0.5 * (1.0 + std::cos(M_PI * progress));
    }
    for (auto& group : optimizer.param_groups()) {
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    }
    std::vector<std::size_t> indices;
    for (std::int64_t b = 0; b < options.batch_size; ++b) {
      if (cursor == order.size()) {
        std::shuffle(order.begin(), order.end(), random);
        cursor = 0;
      }
      indices.push_back(order[cursor++]);
    }
    const Batch batch = make_batch(train, indices, eos);
    const std::int64_t tokens = (batch.weights > 0).sum().item<std::int64_t>();
    optimizer.zero_grad();
    auto loss = batch_loss(model, batch, /*grad=*/true);
    loss.backward();
    torch::nn::utils::clip_grad_norm_(all, options.grad_clip);
    optimizer.step();
    const double value = loss.item<double>();
    losses.push_back(value);
    summary.tokens += tokens;
    const double elapsed = seconds_since(start);
    log << fmt::format("{},{:.5f},{:.6g},{},{:.2f}\n", step, value, lr, tokens, elapsed);
    interval_loss += value;
    ++interval_steps;
    if (step % options.log_every == 0 || step == options.steps) {
      const double rate = static_cast<double>(summary.tokens) / elapsed;
      const double eta =
          elapsed / static_cast<double>(step) * static_cast<double>(options.steps - step);
      fmt::print(stderr,
                 "step {:5d}/{}  loss {:.4f}  lr {:.2e}  {:.0f} tokens/s  elapsed {}  ETA {}\n",
                 step, options.steps, interval_loss / static_cast<double>(interval_steps), lr, rate,
                 format_duration(elapsed), format_duration(eta));
      std::fflush(stderr);
      log.flush();
      interval_loss = 0;
      interval_steps = 0;
    }
  }
  summary.steps = options.steps;
  summary.seconds = seconds_since(start);
  summary.tokens_per_second = static_cast<double>(summary.tokens) / summary.seconds;
  const std::size_t tail = std::min<std::size_t>(50, losses.size());
  summary.final_loss =
      std::accumulate(losses.end() - static_cast<std::ptrdiff_t>(tail), losses.end(), 0.0) /
      static_cast<double>(std::max<std::size_t>(1, tail));

  for (auto& parameter : model.parameters()) parameter.set_requires_grad(false);
  {
    torch::NoGradGuard no_grad;
    double total = 0, weight_sum = 0;
    for (std::size_t i = 0; i < validation.size(); i += 50) {
      std::vector<std::size_t> indices;
      for (std::size_t j = i; j < std::min(validation.size(), i + 50); ++j) indices.push_back(j);
      const Batch batch = make_batch(validation, indices, eos);
      const double weight = batch.weights.sum().item<double>();
      total += batch_loss(model, batch, false).item<double>() * weight;
      weight_sum += weight;
    }
    summary.held_out_loss = total / std::max(1e-6, weight_sum);
  }
  model.save(options.model_dir, torch::kFloat32);

  nlohmann::ordered_json json;
  json["parameters"] = summary.parameters;
  json["traces"] = train.size();
  json["steps"] = summary.steps;
  json["batch_size"] = options.batch_size;
  json["learning_rate"] = options.learning_rate;
  json["answer_loss_weight"] = options.answer_loss_weight;
  json["seed"] = options.seed;
  json["threads"] = options.threads;
  json["tokens"] = summary.tokens;
  json["seconds"] = summary.seconds;
  json["tokens_per_second"] = summary.tokens_per_second;
  json["final_loss"] = summary.final_loss;
  json["held_out_loss"] = summary.held_out_loss;
  std::ofstream(options.data_dir / "training.json", std::ios::trunc) << json.dump(2) << '\n';
  fmt::print(stderr,
             "trained {} steps in {} ({:.0f} tokens/s); final loss {:.4f}, held-out loss {:.4f}\n",
             summary.steps, format_duration(summary.seconds), summary.tokens_per_second,
             summary.final_loss, summary.held_out_loss);
  return summary;
}

}  // namespace sentlens::demo
