// The demo corpus generator. Every trace has the same sentence shapes, so a small model can learn
// the task, and every sentence's dependencies are known by construction.
#include "demo/corpus.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <unordered_set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sentlens/error.h"
#include "sentlens/text/splitter.h"

namespace sentlens::demo {

namespace {

struct Person {
  const char* name;
  const char* pronoun;  // capitalised subject pronoun
};

constexpr Person kPeople[] = {{"Tom", "He"},  {"Ann", "She"}, {"Sam", "He"},
                              {"Mia", "She"}, {"Ben", "He"},  {"Lily", "She"}};
constexpr const char* kObjects[] = {"apples", "coins", "books", "stickers", "marbles", "cards"};

struct Verb {
  char op;             // '+' or '-'
  const char* phrase;  // "buys {} more"
  const char* gerund;  // "buying"
};

constexpr Verb kVerbs[] = {
    {'+', "buys {} more", "buying"},  {'+', "finds {} more", "finding"},
    {'+', "wins {} more", "winning"}, {'+', "gets {} more", "getting more"},
    {'-', "gives away {}", "giving"}, {'-', "loses {}", "losing"},
    {'-', "sells {}", "selling"},     {'-', "uses {}", "using"},
};
constexpr int kVerbCount = sizeof(kVerbs) / sizeof(kVerbs[0]);
constexpr std::int64_t kMaxValue = 45;

std::int64_t uniform(std::mt19937_64& random, std::int64_t low, std::int64_t high) {
  return std::uniform_int_distribution<std::int64_t>(low, high)(random);
}

struct Operation {
  int verb = 0;
  std::int64_t operand = 0;
  std::int64_t before = 0;
  std::int64_t after = 0;
};

std::string lower_first(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace

std::string DemoTrace::text_before_answer() const {
  const std::string& last = sentences.back();
  return text.substr(0, text.size() - last.size() - 1);
}

DemoTrace generate_trace(std::mt19937_64& random) {
  const Person& person = kPeople[uniform(random, 0, 5)];
  const std::string object = kObjects[uniform(random, 0, 5)];
  const std::int64_t start = uniform(random, 2, 9);
  const std::int64_t count = uniform(random, 2, 4);

  // Operations with distinct verbs; a subtraction keeps at least 1, an addition stays <= 45.
  std::vector<Operation> operations;
  std::vector<bool> used(kVerbCount, false);
  std::int64_t value = start;
  for (std::int64_t k = 0; k < count; ++k) {
    int verb = 0;
    do {
      verb = static_cast<int>(uniform(random, 0, kVerbCount - 1));
    } while (used[static_cast<std::size_t>(verb)] || (kVerbs[verb].op == '-' && value <= 1) ||
             (kVerbs[verb].op == '+' && value >= kMaxValue));
    used[static_cast<std::size_t>(verb)] = true;
    const std::int64_t limit = kVerbs[verb].op == '-'
                                   ? std::min<std::int64_t>(9, value - 1)
                                   : std::min<std::int64_t>(9, kMaxValue - value);
    const std::int64_t operand = uniform(random, 1, limit);
    const std::int64_t after = kVerbs[verb].op == '-' ? value - operand : value + operand;
    operations.push_back({verb, operand, value, after});
    value = after;
  }

  DemoTrace trace;
  std::string problem = fmt::format("{} has {} {}.", person.name, start, object);
  for (std::size_t k = 0; k < operations.size(); ++k) {
    const std::string action =
        fmt::format(fmt::runtime(kVerbs[operations[k].verb].phrase), operations[k].operand);
    if (k == 0) {
      problem += fmt::format(" {} {}.", person.pronoun, action);
    } else {
      problem += fmt::format(" Then {} {}.", lower_first(person.pronoun), action);
    }
  }
  std::int64_t asked = count - 1;
  if (uniform(random, 0, 9) < 3) {
    trace.question = "final";
    problem += fmt::format(" How many {} does {} have at the end?", object, person.name);
  } else {
    trace.question = "after";
    asked = uniform(random, 0, count - 1);
    problem += fmt::format(" How many {} did {} have after {}?", object, person.name,
                           kVerbs[operations[static_cast<std::size_t>(asked)].verb].gerund);
  }
  trace.problem = problem;

  // Items: -1 = start, k >= 0 = step k, then optionally one check of step `checked`.
  std::vector<std::int64_t> items = {-1};
  for (std::int64_t k = 0; k < count; ++k) items.push_back(k);
  std::optional<std::int64_t> checked;
  std::int64_t check_position = -1;
  if (uniform(random, 0, 9) < 4) {
    checked = uniform(random, 0, count - 1);
    // Anywhere after the checked step, before the answer.
    check_position = uniform(random, *checked + 2, static_cast<std::int64_t>(items.size()));
    items.insert(items.begin() + check_position, -2);
  }
  std::vector<std::int64_t> step_sentence(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i] >= 0)
      step_sentence[static_cast<std::size_t>(items[i])] = static_cast<std::int64_t>(i);
  }
  // The sentences stating step k's result before sentence `before`: the step and a check of it.
  auto sources = [&](std::int64_t k, std::int64_t before) {
    std::vector<std::int64_t> out;
    if (k < 0) return std::vector<std::int64_t>{0};
    out.push_back(step_sentence[static_cast<std::size_t>(k)]);
    if (checked && *checked == k && check_position < before) out.push_back(check_position);
    return out;
  };
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto index = static_cast<std::int64_t>(i);
    if (items[i] == -1) {
      trace.sentences.push_back(fmt::format("{} starts with {} {}.", person.name, start, object));
      trace.kinds.push_back("start");
      trace.dependencies.push_back({});
    } else if (items[i] >= 0) {
      const Operation& op = operations[static_cast<std::size_t>(items[i])];
      trace.sentences.push_back(fmt::format("After {}, {} {} {} = {}.", kVerbs[op.verb].gerund,
                                            op.before, kVerbs[op.verb].op, op.operand, op.after));
      trace.kinds.push_back("step");
      trace.dependencies.push_back(sources(items[i] - 1, index));
    } else {
      const Operation& op = operations[static_cast<std::size_t>(*checked)];
      trace.sentences.push_back(fmt::format("Wait, let me check {} {} {} = {}.", op.before,
                                            kVerbs[op.verb].op, op.operand, op.after));
      trace.kinds.push_back("check");
      auto dependencies = sources(*checked - 1, index);
      dependencies.push_back(step_sentence[static_cast<std::size_t>(*checked)]);
      std::sort(dependencies.begin(), dependencies.end());
      trace.dependencies.push_back(dependencies);
    }
  }
  trace.answer = operations[static_cast<std::size_t>(asked)].after;
  trace.answer_sentence = static_cast<std::int64_t>(trace.sentences.size());
  trace.copied_sentence = step_sentence[static_cast<std::size_t>(asked)];
  // The answer restates the asked step's equation, so it copies that step (or its check) token by
  // token: the dependency a small model can learn reliably and the metrics should recover.
  const Operation& answered = operations[static_cast<std::size_t>(asked)];
  const std::string when = trace.question == "final"
                               ? std::string("at the end")
                               : fmt::format("after {}", kVerbs[answered.verb].gerund);
  trace.sentences.push_back(fmt::format("So {}, {} {} {} = {} is the answer.", when,
                                        answered.before, kVerbs[answered.verb].op, answered.operand,
                                        answered.after));
  trace.kinds.push_back("answer");
  // The restated equation uses two results: the asked step's (its result) and the one before it
  // (its first number), stated by the previous step or the start sentence, or a check of either.
  auto answer_dependencies = sources(asked, trace.answer_sentence);
  for (const auto source : sources(asked - 1, trace.answer_sentence)) {
    answer_dependencies.push_back(source);
  }
  std::sort(answer_dependencies.begin(), answer_dependencies.end());
  trace.dependencies.push_back(answer_dependencies);

  trace.text = trace.problem + " <think>";
  for (const auto& sentence : trace.sentences) trace.text += " " + sentence;
  return trace;
}

void check_split(const DemoTrace& trace) {
  SplitOptions options;
  options.profile = Profile::kClean;
  const SplitResult split = split_sentences(trace.text, options);
  bool same = split.chunks.size() == trace.sentences.size();
  for (std::size_t i = 0; same && i < split.chunks.size(); ++i) {
    same = split.chunks[i] == trace.sentences[i];
  }
  if (!same) {
    throw InputError(
        fmt::format("demo corpus: the splitter gives {} sentences for \"{}\", the "
                    "generator {}",
                    split.chunks.size(), trace.text, trace.sentences.size()));
  }
}

std::string trace_to_json(const DemoTrace& trace) {
  nlohmann::ordered_json json;
  json["text"] = trace.text;
  json["problem"] = trace.problem;
  json["question"] = trace.question;
  json["answer"] = trace.answer;
  json["sentences"] = trace.sentences;
  json["kinds"] = trace.kinds;
  json["dependencies"] = trace.dependencies;
  json["answer_sentence"] = trace.answer_sentence;
  json["copied_sentence"] = trace.copied_sentence;
  return json.dump();
}

DemoTrace trace_from_json(const std::string& line) {
  const auto json = nlohmann::json::parse(line);
  DemoTrace trace;
  trace.text = json.at("text").get<std::string>();
  trace.problem = json.at("problem").get<std::string>();
  trace.question = json.at("question").get<std::string>();
  trace.answer = json.at("answer").get<std::int64_t>();
  trace.sentences = json.at("sentences").get<std::vector<std::string>>();
  trace.kinds = json.at("kinds").get<std::vector<std::string>>();
  trace.dependencies = json.at("dependencies").get<std::vector<std::vector<std::int64_t>>>();
  trace.answer_sentence = json.at("answer_sentence").get<std::int64_t>();
  trace.copied_sentence = json.at("copied_sentence").get<std::int64_t>();
  return trace;
}

void write_traces(const std::filesystem::path& path, const std::vector<DemoTrace>& traces) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& trace : traces) out << trace_to_json(trace) << '\n';
  if (!out.good()) throw IoError(fmt::format("{}: cannot write", path.string()));
}

std::vector<DemoTrace> read_traces(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw IoError(fmt::format("{}: cannot read", path.string()));
  std::vector<DemoTrace> traces;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) traces.push_back(trace_from_json(line));
  }
  return traces;
}

std::int64_t generate_corpus(const std::filesystem::path& out, const CorpusOptions& options) {
  std::filesystem::create_directories(out);
  std::mt19937_64 random(options.seed);
  std::vector<DemoTrace> train;
  std::unordered_set<std::string> seen;
  for (std::int64_t i = 0; i < options.train; ++i) {
    train.push_back(generate_trace(random));
    check_split(train.back());
    seen.insert(train.back().text);
  }
  std::mt19937_64 held_out_random(options.seed ^ 0x9e3779b97f4a7c15ull);
  std::vector<DemoTrace> held_out;
  while (static_cast<std::int64_t>(held_out.size()) < options.held_out) {
    DemoTrace trace = generate_trace(held_out_random);
    if (seen.count(trace.text) != 0) continue;
    check_split(trace);
    seen.insert(trace.text);
    held_out.push_back(std::move(trace));
  }
  write_traces(out / "train.jsonl", train);
  write_traces(out / "heldout.jsonl", held_out);
  std::ofstream text(out / "train.txt", std::ios::trunc);
  for (const auto& trace : train) text << trace.text << '\n';
  if (!text.good()) throw IoError(fmt::format("{}: cannot write", (out / "train.txt").string()));
  return static_cast<std::int64_t>(train.size());
}

}  // namespace sentlens::demo
