// Model card and loss-curve plot of the demo model.
#include "demo/card.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sentlens/error.h"

namespace sentlens::demo {

namespace {

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json::object();
  return nlohmann::json::parse(in);
}

// (step, loss) pairs of training_log.csv.
std::vector<std::pair<double, double>> read_losses(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::pair<double, double>> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string step, loss;
    if (std::getline(fields, step, ',') && std::getline(fields, loss, ',')) {
      out.emplace_back(std::stod(step), std::stod(loss));
    }
  }
  return out;
}

std::string loss_svg(const std::vector<std::pair<double, double>>& losses) {
  const double width = 640, height = 360, left = 60, right = 20, top = 30, bottom = 50;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  const double max_step = losses.empty() ? 1 : losses.back().first;
  double max_loss = 0.0;
  for (const auto& [step, loss] : losses) max_loss = std::max(max_loss, loss);
  max_loss = std::max(1.0, std::ceil(max_loss));
  // Log-scaled y axis from 0.01 to max_loss shows the late, small losses.
  const double low = std::log10(0.01), high = std::log10(max_loss);
  auto x = [&](double step) { return left + plot_w * step / max_step; };
  auto y = [&](double loss) {
    const double v = std::log10(std::max(0.01, loss));
    return top + plot_h * (1.0 - (v - low) / (high - low));
  };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"18\" font-size=\"14\">demo model: training loss (per step, and "
      "mean of 25 steps)</text>\n",
      width, height, left);
  for (double tick : {0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0}) {
    if (tick > max_loss) break;
    svg += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
        left, left + plot_w, y(tick), left - 6, y(tick) + 4, tick);
  }
  for (int i = 0; i <= 5; ++i) {
    const double step = max_step * i / 5.0;
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:.0f}</text>\n",
                       x(step), top + plot_h + 18, step);
  }
  svg += fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">step</text>\n"
      "<text x=\"16\" y=\"{:.1f}\" transform=\"rotate(-90 16 {:.1f})\" "
      "text-anchor=\"middle\">cross-entropy (nats/token, log scale)</text>\n",
      left + plot_w / 2, height - 10, top + plot_h / 2, top + plot_h / 2);
  svg += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" "
      "stroke=\"black\"/>\n",
      left, top, plot_w, plot_h);
  std::string raw, smooth;
  double sum = 0;
  for (std::size_t i = 0; i < losses.size(); ++i) {
    raw += fmt::format("{:.1f},{:.1f} ", x(losses[i].first), y(losses[i].second));
    sum += losses[i].second;
    if (i >= 25) sum -= losses[i - 25].second;
    const double mean = sum / static_cast<double>(std::min<std::size_t>(i + 1, 25));
    smooth += fmt::format("{:.1f},{:.1f} ", x(losses[i].first), y(mean));
  }
  svg += fmt::format(
      "<polyline points=\"{}\" fill=\"none\" stroke=\"#9ecae1\" "
      "stroke-width=\"1\"/>\n",
      raw);
  svg += fmt::format(
      "<polyline points=\"{}\" fill=\"none\" stroke=\"#08519c\" "
      "stroke-width=\"2\"/>\n",
      smooth);
  svg += "</svg>\n";
  return svg;
}

std::string percent(const nlohmann::json& json, const char* key) {
  if (!json.contains(key)) return "n/a";
  return fmt::format("{:.1f}%", 100.0 * json.at(key).get<double>());
}

std::string fraction(const nlohmann::json& json, const char* key) {
  if (!json.contains(key)) return "n/a";
  const auto hits = json.at(key).at(0).get<double>(), total = json.at(key).at(1).get<double>();
  return fmt::format("{:.1f}% ({:.0f}/{:.0f})", total > 0 ? 100.0 * hits / total : 0.0, hits,
                     total);
}

// Element `index` of a JSON pair of numbers, with two decimals.
std::string pair_element(const nlohmann::json& json, const char* key, std::size_t index) {
  if (!json.contains(key)) return "n/a";
  return fmt::format("{:.2f}", json.at(key).at(index).get<double>());
}

std::string number(const nlohmann::json& json, const char* key, const char* format = "{}") {
  if (!json.contains(key)) return "n/a";
  if (json.at(key).is_number_integer()) {
    return fmt::format(fmt::runtime(format), json.at(key).get<std::int64_t>());
  }
  return fmt::format(fmt::runtime(format), json.at(key).get<double>());
}

}  // namespace

void write_card(const std::filesystem::path& model_dir, const std::filesystem::path& data_dir) {
  const auto losses = read_losses(data_dir / "training_log.csv");
  std::ofstream(model_dir / "loss.svg", std::ios::trunc) << loss_svg(losses);
  const auto training = read_json(data_dir / "training.json");
  const auto evaluation = read_json(data_dir / "evaluation.json");
  const auto config = read_json(model_dir / "config.json");
  auto meets = [&](const char* key, double target) {
    if (!evaluation.contains(key)) return std::string("not evaluated");
    const double value = evaluation.at(key).get<double>();
    return fmt::format("{:.1f}% {} {:.0f}%", 100 * value, value >= target ? "meets" : "misses",
                       100 * target);
  };
  const std::string targets = fmt::format(
      "answer {}; receiver top 3 {}; suppression with the reference profile (the original code's "
      "top-p KL) {}, with the clean profile (sentlens' default) {}",
      meets("answer_accuracy", 0.9), meets("receiver_top3", 0.8),
      meets("suppression_reference_hit", 0.8), meets("suppression_hit", 0.8));
  std::string card = fmt::format(
      R"(# sentlens demo model

A {params}-parameter Llama (RMSNorm, SwiGLU, RoPE, grouped-query attention: {heads} query heads
sharing {kv_heads} key/value heads, {layers} layers, hidden size {hidden}, tied embeddings) trained by
sentlens itself on synthetic reasoning traces whose sentence dependencies are known. It exists so that
sentlens runs with nothing downloaded and so that its metrics can be checked against planted
structure. It is a toy: it solves one family of templated word problems and nothing else.

## Data

`sentlens-train-demo generate` draws problems such as

> Tom has 3 apples. He buys 5 more. Then he gives away 2. How many apples did Tom have after buying?
> &lt;think&gt; Tom starts with 3 apples. After buying, 3 + 5 = 8. After giving, 8 - 2 = 6. Wait, let
> me check 3 + 5 = 8. So after buying, 3 + 5 = 8 is the answer.

2–4 operations (add or subtract 1–9, results 1–45) with distinct verbs; the question asks for the
count at the end (30%) or after one named operation (70%); with probability 0.4 a "Wait, let me
check …" sentence re-derives a random earlier step somewhere after it. The answer sentence names
what was asked ("after buying" or "at the end") and restates the equation of the step it copies, so
it copies that step (or its check) token by token. The think-region sentences
are exactly what `sentlens split` (clean profile) returns; the problem before `<think>` belongs to
no sentence. Ground truth per trace (`heldout.jsonl`, `examples/traces/demo_*.json`): each
sentence's dependencies are the sentences that state a result it uses (a step depends on the step
producing its input, or on a check that re-derived it; a check depends on what the checked step
depends on and on the checked step; the answer restates the asked step's equation, so it depends on
that step, on the sentence stating the count before it — the previous step or the start sentence —
and on checks of either). {train} training traces, 1000 held-out traces (none equal to a training trace),
seed {seed}.

Tokenizer: sentencepiece BPE trained by libsentencepiece's trainer on the training texts,
{vocab} pieces, digits split (every number is tokenised digit by digit), `<think>` a single piece,
ids 0 `<unk>`, 1 `<s>` (BOS, added), 2 `</s>` (EOS, ends every training trace).

## Recipe

AdamW (β 0.9/0.95, weight decay 0.1 on matrices), peak learning rate {lr}, 50 warm-up steps then
cosine decay to 10%, gradient clipping at 1.0, {steps} steps of {batch} traces (right-padded),
float32, through `Model::forward` with `ForwardOptions::enable_grad`. The loss is a weighted mean
cross-entropy: the problem before `<think>` (random by construction) has weight 0, as in reasoning
fine-tuning; the reasoning sentences weight 1; the answer sentence and EOS weight {answer_weight}
(the copy of an earlier step is a few tokens per trace and is what the evaluation checks).
Initialisation N(0, 0.02), output projections scaled by 1/√(2·layers), norms 1.

| | |
|---|---|
| parameters | {params} |
| training time | {seconds} s on {threads} intra-op thread(s) of a 2-core machine |
| throughput | {tps} loss-bearing tokens/s |
| tokens seen | {tokens} |
| final training loss (weighted, mean of last 50 steps) | {final_loss} nats/token |
| held-out loss (weighted, 200 traces) | {held_out_loss} nats/token |

![training loss](loss.svg)

## Evaluation (`sentlens-train-demo evaluate`)

| | demo model | random |
|---|---|---|
| greedy answer sentence after the gold trace ({answers} held-out problems) | {answer_accuracy} | |
| — questions about the final count | {final_q} | |
| — answers copying the last step | {last_step} | |
| — answers copying an earlier step (a check or later steps in between) | {earlier_step} | |
| greedy solve from the problem alone: answer sentence correct | {solve_accuracy} | |
| greedy solve from the problem alone: whole trace equal to the generated one (the checks are random, so this is bounded well below 100%) | {solve_exact} | |
| copied step in the top 3 by receiver-head score ({structures} traces; proximity_ignore {proximity}, {receiver_heads} receiver heads) | {receiver_top3} | {receiver_top3_random} |
| the same with the library defaults (proximity_ignore 4, top 20 heads = every head) | {receiver_top3_default}{default_note} | {receiver_top3_default_random} |
| answer's strongest dependency in the suppression matrix is a true dependency: reference profile (the original code's top-p KL; T 0.6) | {suppression_reference_hit} | {suppression_hit_random} |
| — and is the copied step or a check of it | {suppression_reference_copied_hit} | {suppression_copied_random} |
| — when the sentence right before the answer is a true dependency | {reference_adjacent_dependency} | |
| — when it is not | {reference_adjacent_other} | |
| — misses that pick the sentence right before the answer | {reference_misses_adjacent} | |
| the same with the clean profile (exact KL over the vocabulary, sentlens' default; T 0.6) | {suppression_hit} | {suppression_hit_random} |
| — and is the copied step or a check of it | {suppression_copied_hit} | {suppression_copied_random} |
| — when the sentence right before the answer is a true dependency | {clean_adjacent_dependency} | |
| — when it is not | {clean_adjacent_other} | |
| — misses that pick the sentence right before the answer | {clean_misses_adjacent} | |

Targets of issue 8 (answer ≥ 90%, receiver top 3 ≥ 80%, suppression ≥ 80%): {targets}.

"random" is the expected rate of a uniformly random ranking of the sentences before the answer (for
receiver scores: of the scored ones; the default proximity_ignore of 4 leaves the last sentences of
these 4–8-sentence traces unscored). The receiver settings were fixed before evaluating: traces this
short need a smaller proximity window than the paper's long traces, and the model has few heads.

Both suppression rows use the same clean sentence split and, in effect, the same masks (the two
masking rules differ only for a row whose every visible key is masked, which cannot happen here: the
problem before `<think>` is never masked); they differ in the KL divergence per token. This model is
confident: at {one_token_nucleus} of the answer's positions ({structures} held-out traces) one token
holds more than 99.99% of the probability at T 0.6. The reference KL, as in the original code,
compares the two distributions' top-p nuclei (p 0.9999, logits stored as float16): it reads 0 where
the nucleus is one token that suppression leaves in place, and a very large value wherever a token
of the baseline's nucleus drops out of the suppressed one (its missing logit counts as −1e9), so a
row of the matrix mostly counts the answer positions whose likely next token was lost. The clean KL
is exact and also counts shifts of a millionth of a nat. A row averages ln(KL + 1e-9) over the
target's tokens, so with the exact KL several slight shifts can outweigh fewer decisive changes. In
the {shift_traces} traces whose sentence right before the answer is not a dependency, masking that
sentence shifts {adjacent_slight} answer positions per trace slightly (1e-6 < KL ≤ 1e-2) and changes
{adjacent_large} (KL > 1e-2); masking the copied step shifts {copied_slight} and changes
{copied_large}. Hence the clean profile's misses mostly pick that adjacent sentence, and it recovers
the structure mainly when the adjacent sentence is itself a dependency. On a model this confident
the original code's truncated KL is the better detector of where the answer's numbers come from;
the clean KL is the exact divergence (docs/metrics.md, "Reading the two profiles").

Exact effects on the answer are small because the model recomputes the restated equation rather
than copying it: its first number also stands in the step before, its operand in the problem, and
its result follows from the two. Two data designs tried to leave the answer a single source (same
model size and recipe, 3,000 steps; clean profile): an answer stating only the result of a step
that does not restate its input ("After buying 5, he has 8. … So after buying, the answer is 8.")
gave answer accuracy 74.6%, receiver top 3 86.0%, suppression 66.5%: the model looked the step up
unreliably, and masking any sentence moved the uncertain number. Drawing each equation's wording at
random ("3 plus 5 is 8") so that the answer had to copy the step's wording gave 8.8%: the model
computed the numbers right but never learned to copy the wording, so the answer did not come from a
copy of the step.

## Reproducibility

`sentlens-train-demo all --data DIR --out models/demo --seed {seed} --threads {threads} --steps {steps}` regenerates the corpus, tokenizer, model,
card and example traces. The corpus and the tokenizer are bit-reproducible (fixed seed, no sampling
of the tokenizer's input). The weights are reproducible on the same machine, libtorch build and
thread count; a different thread count or CPU changes floating-point summation order, so losses
agree only within noise and the weights are not bit-identical.
)",
      fmt::arg("params", number(training, "parameters")),
      fmt::arg("heads", number(config, "num_attention_heads")),
      fmt::arg("kv_heads", number(config, "num_key_value_heads")),
      fmt::arg("layers", number(config, "num_hidden_layers")),
      fmt::arg("hidden", number(config, "hidden_size")),
      fmt::arg("vocab", number(config, "vocab_size")),
      fmt::arg("train", number(training, "traces")), fmt::arg("seed", number(training, "seed")),
      fmt::arg("lr", number(training, "learning_rate")),
      fmt::arg("answer_weight", number(training, "answer_loss_weight")),
      fmt::arg("steps", number(training, "steps")),
      fmt::arg("batch", number(training, "batch_size")),
      fmt::arg("seconds", number(training, "seconds", "{:.0f}")),
      fmt::arg("threads", number(training, "threads")),
      fmt::arg("tps", number(training, "tokens_per_second", "{:.0f}")),
      fmt::arg("tokens", number(training, "tokens")),
      fmt::arg("final_loss", number(training, "final_loss", "{:.4f}")),
      fmt::arg("held_out_loss", number(training, "held_out_loss", "{:.4f}")),
      fmt::arg("answers", number(evaluation, "answer_problems")),
      fmt::arg("answer_accuracy", percent(evaluation, "answer_accuracy")),
      fmt::arg("solve_accuracy", percent(evaluation, "solve_accuracy")),
      fmt::arg("targets", targets),
      fmt::arg("final_q", fraction(evaluation, "answer_final_question")),
      fmt::arg("last_step", fraction(evaluation, "answer_copies_last_step")),
      fmt::arg("earlier_step", fraction(evaluation, "answer_copies_earlier_step")),
      fmt::arg("default_note",
               evaluation.contains("receiver_default_failure")
                   ? " (not computable: " +
                         evaluation.at("receiver_default_failure").get<std::string>() + ")"
                   : std::string()),
      fmt::arg("solve_exact", percent(evaluation, "solve_exact")),
      fmt::arg("structures", number(evaluation, "structure_traces")),
      fmt::arg("proximity", number(evaluation, "receiver_proximity_ignore")),
      fmt::arg("receiver_heads", number(evaluation, "receiver_heads")),
      fmt::arg("receiver_top3", percent(evaluation, "receiver_top3")),
      fmt::arg("receiver_top3_random", percent(evaluation, "receiver_top3_random")),
      fmt::arg("receiver_top3_default", percent(evaluation, "receiver_top3_default")),
      fmt::arg("receiver_top3_default_random", percent(evaluation, "receiver_top3_default_random")),
      fmt::arg("suppression_hit", percent(evaluation, "suppression_hit")),
      fmt::arg("suppression_hit_random", percent(evaluation, "suppression_hit_random")),
      fmt::arg("suppression_copied_hit", percent(evaluation, "suppression_copied_hit")),
      fmt::arg("suppression_copied_random", percent(evaluation, "suppression_copied_random")),
      fmt::arg("clean_adjacent_dependency",
               fraction(evaluation, "suppression_adjacent_dependency")),
      fmt::arg("clean_adjacent_other", fraction(evaluation, "suppression_adjacent_other")),
      fmt::arg("clean_misses_adjacent", fraction(evaluation, "suppression_misses_adjacent")),
      fmt::arg("suppression_reference_hit", percent(evaluation, "suppression_reference_hit")),
      fmt::arg("suppression_reference_copied_hit",
               percent(evaluation, "suppression_reference_copied_hit")),
      fmt::arg("reference_adjacent_dependency",
               fraction(evaluation, "suppression_reference_adjacent_dependency")),
      fmt::arg("reference_adjacent_other",
               fraction(evaluation, "suppression_reference_adjacent_other")),
      fmt::arg("one_token_nucleus", fraction(evaluation, "answer_one_token_nucleus")),
      fmt::arg("shift_traces", number(evaluation, "answer_shift_traces")),
      fmt::arg("adjacent_slight", pair_element(evaluation, "answer_shifts_adjacent", 0)),
      fmt::arg("adjacent_large", pair_element(evaluation, "answer_shifts_adjacent", 1)),
      fmt::arg("copied_slight", pair_element(evaluation, "answer_shifts_copied", 0)),
      fmt::arg("copied_large", pair_element(evaluation, "answer_shifts_copied", 1)),
      fmt::arg("reference_misses_adjacent",
               fraction(evaluation, "suppression_reference_misses_adjacent")));
  std::ofstream(model_dir / "README.md", std::ios::trunc) << card;
}

}  // namespace sentlens::demo
