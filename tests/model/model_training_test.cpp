// Training support: Model::create, parameters(), forward with autograd (gradients equal those of a
// plain, unblocked reference forward written with out-of-place ops) and save() round trips.
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "sentlens/error.h"
#include "sentlens/model/model.h"
#include "test_support.h"

namespace sentlens {
namespace {

ModelConfig tiny_config() {
  ModelConfig config;
  config.model_type = "llama";
  config.hidden_size = 16;
  config.num_layers = 2;
  config.num_heads = 4;
  config.num_kv_heads = 2;
  config.head_dim = 4;
  config.intermediate_size = 24;
  config.vocab_size = 11;
  config.max_position_embeddings = 32;
  config.norm_eps = 1e-5;
  config.tie_word_embeddings = true;
  config.bos_token_id = 1;
  config.eos_token_ids = {2};
  config.torch_dtype = "float32";
  return config;
}

torch::Tensor reference_rms(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  return weight * (x * torch::rsqrt(x.pow(2).mean(-1, true) + eps));
}

torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const auto half = x.size(-1) / 2;
  auto rotated = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos + rotated * sin;
}

// The Llama forward written plainly (full causal mask, repeated K/V, no hooks), on the weights in
// parameters() order: embedding, per layer [attn norm, qkv, o, mlp norm, gate_up, down], norm.
torch::Tensor reference_logits(const ModelConfig& c, const std::vector<torch::Tensor>& p,
                               const torch::Tensor& ids) {
  const auto T = ids.size(0);
  const auto H = c.num_heads, KVH = c.num_kv_heads, Dh = c.head_dim, I = c.intermediate_size;
  auto inv_freq = 1.0 / torch::pow(c.rope_theta, torch::arange(0, Dh, 2, torch::kFloat64) /
                                                     static_cast<double>(Dh));
  auto angles = torch::outer(torch::arange(T, torch::kFloat64), inv_freq);
  auto emb = torch::cat({angles, angles}, -1);
  auto cos = emb.cos().to(torch::kFloat32), sin = emb.sin().to(torch::kFloat32);
  auto mask = torch::ones({T, T}, torch::kBool).triu(1);
  auto x = p[0].index_select(0, ids);  // [T, D]
  for (std::int64_t l = 0; l < c.num_layers; ++l) {
    const auto* w = &p[static_cast<std::size_t>(1 + 6 * l)];
    auto qkv = torch::matmul(reference_rms(x, w[0], c.norm_eps), w[1].t());
    auto q = qkv.narrow(1, 0, H * Dh).view({T, H, Dh}).transpose(0, 1);
    auto k = qkv.narrow(1, H * Dh, KVH * Dh).view({T, KVH, Dh}).transpose(0, 1);
    auto v = qkv.narrow(1, (H + KVH) * Dh, KVH * Dh).view({T, KVH, Dh}).transpose(0, 1);
    q = rotate(q, cos, sin);
    k = rotate(k, cos, sin);
    k = k.repeat_interleave(H / KVH, 0);
    v = v.repeat_interleave(H / KVH, 0);
    auto scores = torch::matmul(q, k.transpose(1, 2)) / std::sqrt(static_cast<double>(Dh));
    scores = scores.masked_fill(mask, -INFINITY);
    auto attended =
        torch::matmul(torch::softmax(scores, -1), v).transpose(0, 1).reshape({T, H * Dh});
    x = x + torch::matmul(attended, w[2].t());
    auto gate_up = torch::matmul(reference_rms(x, w[3], c.norm_eps), w[4].t());
    auto mlp = torch::silu(gate_up.narrow(1, 0, I)) * gate_up.narrow(1, I, I);
    x = x + torch::matmul(mlp, w[5].t());
  }
  x = reference_rms(x, p.back(), c.norm_eps);
  return torch::matmul(x, p[0].t());
}

TEST(ModelTraining, CreateIsDeterministicAndCountsParameters) {
  const ModelConfig config = tiny_config();
  const Model a = Model::create(config, 7), b = Model::create(config, 7),
              c = Model::create(config, 8);
  const auto pa = a.parameters(), pb = b.parameters(), pc = c.parameters();
  ASSERT_EQ(pa.size(), 1u + 6u * 2u + 1u);  // tied embeddings listed once
  EXPECT_TRUE(torch::equal(pa[1 + 1], pb[1 + 1]));
  EXPECT_FALSE(torch::equal(pa[1 + 1], pc[1 + 1]));
  std::int64_t count = 0;
  for (const auto& tensor : pa) count += tensor.numel();
  EXPECT_EQ(a.parameter_count(), count);
}

TEST(ModelTraining, AnMlpRunInChunksOfRowsEqualsThePlainForward) {
  // An MLP this wide is run in chunks of 64 rows (src/model/forward.cpp: the [rows, 2·I] product
  // within 64 MiB, 16 MiB under autograd, at least 64 rows): 150 tokens make 64 + 64 + 22 rows,
  // with and without autograd, and the result must not depend on it.
  ModelConfig config = tiny_config();
  config.intermediate_size = 131072;
  config.max_position_embeddings = 256;
  const Model model = Model::create(config, 5, {}, 0.3);
  const auto ids = torch::randint(0, config.vocab_size, {150}, torch::kInt64);
  const auto reference = reference_logits(config, model.parameters(), ids);
  for (bool grad : {false, true}) {
    SCOPED_TRACE(grad ? "with autograd" : "inference");
    ForwardOptions options;
    options.enable_grad = grad;
    const auto logits = model.forward(ids, options).logits;
    EXPECT_LT((logits - reference).abs().max().item<double>(), 1e-4);
  }
}

TEST(ModelTraining, GradientsMatchAPlainReferenceForward) {
  const ModelConfig config = tiny_config();
  const Model model = Model::create(config, 3, {}, 0.3);  // large weights: non-trivial attention
  auto parameters = model.parameters();
  for (auto& tensor : parameters) tensor.set_requires_grad(true);
  const auto ids = torch::tensor({1, 5, 3, 9, 2, 7, 7, 4, 10}, torch::kInt64);
  const auto targets = torch::tensor({5, 3, 9, 2, 7, 7, 4, 10, 0}, torch::kInt64);

  auto reference = reference_logits(config, parameters, ids);
  auto reference_loss = torch::nn::functional::cross_entropy(reference, targets);
  auto expected = torch::autograd::grad({reference_loss}, parameters);

  for (std::int64_t block : {1, 4, 9}) {
    SCOPED_TRACE("block size " + std::to_string(block));
    ForwardOptions options;
    options.enable_grad = true;
    options.block_size = block;
    auto logits = model.forward(ids, options).logits;
    EXPECT_LT((logits - reference).abs().max().item<double>(), 1e-5);
    auto loss = torch::nn::functional::cross_entropy(logits, targets);
    auto actual = torch::autograd::grad({loss}, parameters);
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      const double scale = std::max(1e-3, expected[i].abs().max().item<double>());
      EXPECT_LT((actual[i] - expected[i]).abs().max().item<double>() / scale, 1e-4)
          << "parameter " << i;
    }
  }
  // A finite difference on one embedding coordinate agrees too (float32, so loosely).
  {
    torch::NoGradGuard no_grad;
    ForwardOptions options;
    const double eps = 1e-2;
    auto loss_at = [&](double delta) {
      parameters[0][5][3].add_(delta);
      auto value = torch::nn::functional::cross_entropy(model.forward(ids, options).logits, targets)
                       .item<double>();
      parameters[0][5][3].sub_(delta);
      return value;
    };
    const double numeric = (loss_at(eps) - loss_at(-eps)) / (2 * eps);
    EXPECT_NEAR(numeric, expected[0][5][3].item<double>(), 2e-3);
  }
  // Without enable_grad nothing is recorded.
  EXPECT_FALSE(model.forward(ids).logits.requires_grad());
}

TEST(ModelTraining, SavedFolderLoadsBackWithIdenticalLogits) {
  const ModelConfig config = tiny_config();
  const Model model = Model::create(config, 11, {}, 0.1);
  testing::TempDir dir;
  model.save(dir.path());
  const Model loaded = Model::load(dir.path());
  EXPECT_EQ(loaded.config().fingerprint(), config.fingerprint());
  EXPECT_EQ(loaded.parameter_count(), model.parameter_count());
  const auto ids = torch::tensor({1, 4, 4, 8, 2, 9}, torch::kInt64);
  EXPECT_TRUE(torch::equal(model.forward(ids).logits, loaded.forward(ids).logits));

  model.save(dir.path() / "bf16", torch::kBFloat16);
  const Model bf16 = Model::load(dir.path() / "bf16");
  EXPECT_EQ(bf16.stored_dtype(), "BF16");
  EXPECT_LT((bf16.forward(ids).logits - model.forward(ids).logits).abs().max().item<double>(), 0.1);
}

TEST(ModelTraining, SaveRejectsNonLlamaLayouts) {
  ModelConfig config = tiny_config();
  config.qkv_bias = true;
  testing::expect_error<InputError>([&] { (void)(Model::create(config, 1)); });
}

}  // namespace
}  // namespace sentlens
