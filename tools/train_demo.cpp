// sentlens-train-demo: builds the bundled demo model from nothing: a synthetic corpus of reasoning
// traces with known dependencies, a sentencepiece tokenizer, a small Llama trained through
// sentlens' own forward pass, its evaluation, model card and example traces.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "demo/card.h"
#include "demo/corpus.h"
#include "demo/evaluate.h"
#include "demo/tokenizer_training.h"
#include "demo/train.h"
#include "sentlens/error.h"

namespace demo = sentlens::demo;

namespace {

// Writes `count` held-out traces as examples/traces/demo_<i>.txt (the text) and demo_<i>.json
// (text and ground truth): first one whose answer copies a step that is not the last one and that
// has a "Wait, let me check" sentence, then one asking for the final count with a check, then the
// first held-out traces in order.
void write_examples(const std::filesystem::path& data_dir, const std::filesystem::path& out,
                    std::int64_t count) {
  std::filesystem::create_directories(out);
  const auto traces = demo::read_traces(data_dir / "heldout.jsonl");
  auto has_check = [](const demo::DemoTrace& trace) {
    return std::find(trace.kinds.begin(), trace.kinds.end(), "check") != trace.kinds.end();
  };
  std::vector<std::size_t> chosen;
  auto pick = [&](auto&& predicate) {
    for (std::size_t i = 0; i < traces.size(); ++i) {
      if (std::find(chosen.begin(), chosen.end(), i) == chosen.end() && predicate(traces[i])) {
        chosen.push_back(i);
        return;
      }
    }
  };
  pick([&](const demo::DemoTrace& trace) {
    return has_check(trace) && trace.question == "after" &&
           trace.copied_sentence + 2 < trace.answer_sentence;
  });
  pick([&](const demo::DemoTrace& trace) { return has_check(trace) && trace.question == "final"; });
  while (static_cast<std::int64_t>(chosen.size()) < count && chosen.size() < traces.size()) {
    pick([](const demo::DemoTrace&) { return true; });
  }
  chosen.resize(static_cast<std::size_t>(
      std::min<std::int64_t>(count, static_cast<std::int64_t>(chosen.size()))));
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const auto& trace = traces[chosen[i]];
    std::ofstream(out / fmt::format("demo_{}.txt", i + 1), std::ios::trunc) << trace.text << '\n';
    std::ofstream(out / fmt::format("demo_{}.json", i + 1), std::ios::trunc)
        << demo::trace_to_json(trace) << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sentlens-train-demo: generate, train and evaluate the bundled demo model"};
  app.require_subcommand(1);
  std::filesystem::path data_dir = "build/demo-data";  // ignored by git
  std::filesystem::path model_dir = "models/demo";
  std::filesystem::path examples_dir = "examples/traces";
  demo::CorpusOptions corpus;
  demo::TokenizerOptions tokenizer;
  demo::TrainOptions train;
  demo::EvaluateOptions evaluate;
  std::int64_t example_count = 3;
  std::filesystem::path evaluation_json;

  auto add_data = [&](CLI::App* command) {
    command->add_option("--data", data_dir, "working folder of the corpus and logs")
        ->capture_default_str();
  };
  auto add_model = [&](CLI::App* command) {
    command->add_option("--out,--model", model_dir, "model folder")->capture_default_str();
  };
  auto add_seed_threads = [&](CLI::App* command) {
    command->add_option("--seed", corpus.seed, "seed of corpus and training")
        ->capture_default_str();
    command->add_option("--threads", train.threads, "intra-op threads")->capture_default_str();
  };
  auto add_train = [&](CLI::App* command) {
    command->add_option("--steps", train.steps, "optimizer steps")->capture_default_str();
    command->add_option("--batch", train.batch_size, "traces per step")->capture_default_str();
    command->add_option("--lr", train.learning_rate, "peak learning rate")->capture_default_str();
    command->add_option("--answer-weight", train.answer_loss_weight, "loss weight of the answer")
        ->capture_default_str();
    command->add_option("--layers", train.num_layers)->capture_default_str();
    command->add_option("--hidden", train.hidden_size)->capture_default_str();
    command->add_option("--heads", train.num_heads)->capture_default_str();
    command->add_option("--kv-heads", train.num_kv_heads)->capture_default_str();
    command->add_option("--intermediate", train.intermediate_size)->capture_default_str();
  };
  auto add_evaluate = [&](CLI::App* command) {
    command->add_option("--answers", evaluate.answer_count, "held-out problems for accuracy")
        ->capture_default_str();
    command
        ->add_option("--traces", evaluate.structure_count,
                     "held-out traces for receivers and suppression")
        ->capture_default_str();
    command->add_flag("!--no-solve", evaluate.solve, "skip the end-to-end solves");
  };

  auto* generate = app.add_subcommand("generate", "generate the corpus (train + held-out)");
  add_data(generate);
  generate->add_option("--seed", corpus.seed)->capture_default_str();
  generate->add_option("--train", corpus.train, "training traces")->capture_default_str();
  generate->add_option("--held-out", corpus.held_out, "held-out traces")->capture_default_str();

  auto* tokenize = app.add_subcommand("tokenizer", "train the sentencepiece tokenizer");
  add_data(tokenize);
  add_model(tokenize);
  tokenize->add_option("--vocab", tokenizer.vocab_size)->capture_default_str();

  auto* training = app.add_subcommand("train", "train the model and save it");
  add_data(training);
  add_model(training);
  add_seed_threads(training);
  add_train(training);

  auto* evaluation = app.add_subcommand("evaluate", "print the three evaluation numbers");
  add_data(evaluation);
  add_model(evaluation);
  evaluation->add_option("--threads", train.threads)->capture_default_str();
  evaluation->add_option("--json", evaluation_json, "also write the numbers as JSON");
  add_evaluate(evaluation);

  auto* card = app.add_subcommand("card", "write README.md and loss.svg into the model folder");
  add_data(card);
  add_model(card);

  auto* examples = app.add_subcommand("examples", "write held-out example traces");
  add_data(examples);
  examples->add_option("--out", examples_dir)->capture_default_str();
  examples->add_option("--count", example_count)->capture_default_str();

  auto* all = app.add_subcommand("all", "generate, tokenizer, train, evaluate, card, examples");
  add_data(all);
  add_model(all);
  add_seed_threads(all);
  add_train(all);
  add_evaluate(all);
  all->add_option("--train", corpus.train, "training traces")->capture_default_str();
  all->add_option("--vocab", tokenizer.vocab_size)->capture_default_str();
  all->add_option("--examples", examples_dir)->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  try {
    train.seed = corpus.seed;
    train.data_dir = data_dir;
    train.model_dir = model_dir;
    tokenizer.threads = train.threads;
    evaluate.model_dir = model_dir;
    evaluate.data_dir = data_dir;
    evaluate.threads = train.threads;
    const bool everything = all->parsed();
    if (generate->parsed() || everything) {
      const auto count = demo::generate_corpus(data_dir, corpus);
      fmt::print(stderr, "wrote {} training and {} held-out traces to {}\n", count, corpus.held_out,
                 data_dir.string());
    }
    if (tokenize->parsed() || everything) {
      const auto vocab = demo::train_tokenizer(data_dir / "train.txt", model_dir, tokenizer);
      fmt::print(stderr, "tokenizer: {} pieces in {}\n", vocab,
                 (model_dir / "tokenizer.model").string());
    }
    if (training->parsed() || everything) demo::train_model(train);
    if (evaluation->parsed() || everything) {
      demo::evaluate_model(
          evaluate, evaluation_json.empty() ? data_dir / "evaluation.json" : evaluation_json);
    }
    if (card->parsed() || everything) demo::write_card(model_dir, data_dir);
    if (examples->parsed() || everything) write_examples(data_dir, examples_dir, example_count);
  } catch (const std::exception& error) {
    fmt::print(stderr, "sentlens-train-demo: {}\n", error.what());
    return 1;
  }
  return 0;
}
