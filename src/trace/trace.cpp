// Trace file v1: one safetensors file, JSON metadata under `sentlens.trace`.
#include "sentlens/trace/trace.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "io/json_file.h"
#include "sentlens/io/file_kind.h"
#include "sentlens/io/safetensors.h"
#include "sentlens/text/alignment.h"
#include "sentlens/util/version.h"
#include "trace/analysis_options_json.h"
#include "util/check.h"

namespace sentlens {

namespace {

constexpr const char* kSchemaKey = "sentlens.schema_version";
constexpr const char* kTraceKey = "sentlens.trace";

using Pairs = std::vector<std::array<std::int64_t, 2>>;

// A metadata integer. nlohmann's get<std::int64_t>() casts a floating-point value (5.1e+53) to
// the integer type, which is undefined behaviour out of its range (found by fuzzing), so only
// JSON integers are taken. The InputError becomes "FILE: bad trace metadata: …" in read_trace.
std::int64_t integer_value(const nlohmann::json& value, const std::string& what) {
  SENTLENS_CHECK(value.is_number_integer(), InputError, "{} must be an integer, found {}", what,
                 json_excerpt(value));
  return value.get<std::int64_t>();
}

std::int64_t metadata_integer(const nlohmann::json& object, const char* key) {
  return integer_value(object.at(key), key);
}

// A list of [a, b] integer pairs (spans).
Pairs metadata_pairs(const nlohmann::json& object, const char* key) {
  const nlohmann::json& list = object.at(key);
  SENTLENS_CHECK(list.is_array(), InputError, "{} must be a list of [start, end] pairs", key);
  Pairs pairs;
  pairs.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const nlohmann::json& pair = list[i];
    SENTLENS_CHECK(pair.is_array() && pair.size() == 2, InputError,
                   "{}[{}] must be a [start, end] pair", key, i);
    pairs.push_back({integer_value(pair[0], fmt::format("{}[{}][0]", key, i)),
                     integer_value(pair[1], fmt::format("{}[{}][1]", key, i))});
  }
  return pairs;
}

}  // namespace

TokenRhythmOptions TraceParameters::rhythm_options(std::int64_t first_sentence_token) const {
  TokenRhythmOptions options;
  options.response_start = response_token.value_or(first_sentence_token);
  options.window = window;
  options.horizon_lo = horizon_lo;
  options.horizon_hi = horizon_hi;
  return options;
}

void validate_trace(const Trace& trace, const std::string& source) {
  const std::int64_t t_count = trace.num_tokens();
  const std::int64_t s_count = trace.num_sentences();
  SENTLENS_CHECK(t_count > 0, FormatError, "{}: the trace has no tokens", source);
  SENTLENS_CHECK(static_cast<std::int64_t>(trace.token_sentence.size()) == t_count, FormatError,
                 "{}: token_sentence has {} entries for {} tokens", source,
                 trace.token_sentence.size(), t_count);
  SENTLENS_CHECK(static_cast<std::int64_t>(trace.sentence_tokens.size()) == s_count, FormatError,
                 "{}: {} sentence token ranges for {} sentences", source,
                 trace.sentence_tokens.size(), s_count);
  SENTLENS_CHECK(trace.num_layers > 0 && trace.num_heads > 0, FormatError,
                 "{}: {} layers x {} heads", source, trace.num_layers, trace.num_heads);
  SENTLENS_CHECK(static_cast<std::int64_t>(trace.sentence_attention.size()) ==
                     trace.num_layers * trace.num_heads * s_count * s_count,
                 FormatError, "{}: sentence_attention holds {} values, expected [{}, {}, {}, {}]",
                 source, trace.sentence_attention.size(), trace.num_layers, trace.num_heads,
                 s_count, s_count);
  if (!trace.rhythm.empty()) {
    trace.rhythm.validate(source);
    SENTLENS_CHECK(trace.rhythm.num_layers == trace.num_layers &&
                       trace.rhythm.num_heads == trace.num_heads &&
                       trace.rhythm.num_tokens == t_count,
                   FormatError, "{}: token rhythm is [{}, {}, {}], the trace [{}, {}, {}]", source,
                   trace.rhythm.num_layers, trace.rhythm.num_heads, trace.rhythm.num_tokens,
                   trace.num_layers, trace.num_heads, t_count);
  }
  SENTLENS_CHECK(trace.suppression_kl.empty() ||
                     static_cast<std::int64_t>(trace.suppression_kl.size()) == s_count * s_count,
                 FormatError, "{}: suppression_kl holds {} values, expected [{}, {}]", source,
                 trace.suppression_kl.size(), s_count, s_count);
  SENTLENS_CHECK(trace.suppression_kl.empty() != trace.suppression_profile.has_value(), FormatError,
                 "{}: suppression_profile must be set exactly when suppression_kl is", source);
  const auto metric_count = static_cast<std::int64_t>(trace.rollout_metrics.size());
  SENTLENS_CHECK(
      static_cast<std::int64_t>(trace.rollout_importance.size()) == s_count * metric_count &&
          (trace.rollout_metrics.empty() ||
           static_cast<std::int64_t>(trace.step_importance.size()) == s_count * s_count),
      FormatError, "{}: rollout importance holds {} and {} values, expected [{}, {}] and [{}, {}]",
      source, trace.rollout_importance.size(), trace.step_importance.size(), s_count, metric_count,
      s_count, s_count);
  const auto text_bytes = static_cast<std::int64_t>(trace.text.size());
  for (std::int64_t s = 0; s < s_count; ++s) {
    const Sentence& sentence = trace.sentences[static_cast<std::size_t>(s)];
    SENTLENS_CHECK(0 <= sentence.byte_start && sentence.byte_start <= sentence.byte_end &&
                       sentence.byte_end <= text_bytes && sentence.char_start <= sentence.char_end,
                   FormatError, "{}: sentence {} spans bytes [{}, {}) outside the text of {} bytes",
                   source, s, sentence.byte_start, sentence.byte_end, text_bytes);
  }
  try {
    if (s_count > 0) check_token_ranges(trace.sentence_tokens, t_count, "sentence token ranges");
  } catch (const InputError& error) {
    throw FormatError(fmt::format("{}: {}", source, error.what()));
  }
  std::int64_t text_chars = 0;  // code points: bytes that are not UTF-8 continuation bytes
  for (char c : trace.text) text_chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  for (std::int64_t s = 0; s < s_count; ++s) {
    const Sentence& sentence = trace.sentences[static_cast<std::size_t>(s)];
    SENTLENS_CHECK(0 <= sentence.char_start && sentence.char_end <= text_chars, FormatError,
                   "{}: sentence {} spans characters [{}, {}) outside the text of {} characters",
                   source, s, sentence.char_start, sentence.char_end, text_chars);
  }
  for (std::int64_t t = 0; t < t_count; ++t) {
    const TraceToken& token = trace.tokens[static_cast<std::size_t>(t)];
    SENTLENS_CHECK(0 <= token.byte_start && token.byte_start <= token.byte_end &&
                       token.byte_end <= text_bytes && 0 <= token.char_start &&
                       token.char_start <= token.char_end && token.char_end <= text_chars,
                   FormatError,
                   "{}: token {} spans bytes [{}, {}) / characters [{}, {}) outside the text of {} "
                   "bytes / {} characters",
                   source, t, token.byte_start, token.byte_end, token.char_start, token.char_end,
                   text_bytes, text_chars);
  }
  // token_sentence is the map of sentence_token_ranges (both profiles write it so).
  const auto expected = token_map_from_ranges(trace.sentence_tokens, t_count);
  for (std::int64_t t = 0; t < t_count; ++t) {
    const std::int64_t s = trace.token_sentence[static_cast<std::size_t>(t)];
    SENTLENS_CHECK(s >= -1 && s < s_count, FormatError,
                   "{}: token {} belongs to sentence {}, but there are {} sentences", source, t, s,
                   s_count);
    SENTLENS_CHECK(s == expected[static_cast<std::size_t>(t)], FormatError,
                   "{}: token_sentence puts token {} in sentence {}, sentence_token_ranges in {}",
                   source, t, s, expected[static_cast<std::size_t>(t)]);
  }
  // Attention is a probability mass: never negative or infinite (NaN marks an undefined cell).
  auto check_mass = [&source](const std::vector<float>& values, const char* name) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      SENTLENS_CHECK(std::isnan(values[i]) || (values[i] >= 0 && std::isfinite(values[i])),
                     FormatError,
                     "{}: {} holds {} at flat index {}: attention must be >= 0 and "
                     "finite",
                     source, name, values[i], i);
    }
  };
  check_mass(trace.sentence_attention, "sentence_attention");
  if (!trace.rhythm.empty()) check_mass(trace.rhythm.key_attention, "key_attention");
}

void write_trace(const Trace& trace, const std::filesystem::path& path) {
  validate_trace(trace, path.string());
  nlohmann::ordered_json meta;
  meta["model"] = trace.model;
  meta["config_fingerprint"] = trace.config_fingerprint;
  meta["tokenizer_fingerprint"] = trace.tokenizer_fingerprint;
  meta["library_version"] = trace.library_version.empty() ? version() : trace.library_version;
  meta["text"] = trace.text;
  meta["num_layers"] = trace.num_layers;
  meta["num_heads"] = trace.num_heads;
  const TraceParameters& parameters = trace.parameters;
  meta["parameters"] = {{"profile", profile_name(parameters.split.profile)},
                        {"think_region", parameters.split.think_region},
                        {"min_chunk_chars", parameters.split.min_chunk_chars},
                        {"reference_keep_tail", parameters.split.reference_keep_tail},
                        {"add_bos", parameters.add_bos},
                        {"block_size", parameters.forward.block_size},
                        {"allow_longer", parameters.forward.allow_longer},
                        {"response_char_start", trace.parameters.response_char_start}};
  const TokenRhythm& rhythm = trace.rhythm;
  if (!rhythm.empty()) {
    meta["token_rhythm"] = {{"response_start", rhythm.options.response_start},
                            {"window", rhythm.options.window},
                            {"horizon_lo", rhythm.options.horizon_lo},
                            {"horizon_hi", rhythm.options.horizon_hi},
                            {"token_entropy", !rhythm.token_entropy.empty()}};
  }
  if (!trace.suppression_kl.empty()) {
    meta["suppression"] = {{"profile", profile_name(trace.suppression_profile.value())},
                           {"temperature", trace.suppression_temperature}};
  }
  if (!trace.rollout_metrics.empty()) {
    meta["rollout_importance"] = {{"metrics", trace.rollout_metrics},
                                  {"rollouts", trace.rollout_source},
                                  {"embeddings", trace.rollout_embeddings}};
  }
  if (trace.analysis) meta["analysis"] = analysis_options_json(*trace.analysis);
  Pairs sentence_chars, sentence_bytes, token_chars, token_bytes;
  for (const Sentence& s : trace.sentences) {
    sentence_chars.push_back({s.char_start, s.char_end});
    sentence_bytes.push_back({s.byte_start, s.byte_end});
  }
  for (const TraceToken& t : trace.tokens) {
    token_chars.push_back({t.char_start, t.char_end});
    token_bytes.push_back({t.byte_start, t.byte_end});
  }
  meta["sentence_char_spans"] = sentence_chars;
  meta["sentence_byte_spans"] = sentence_bytes;
  meta["token_char_spans"] = token_chars;
  meta["token_byte_spans"] = token_bytes;

  const auto t_count = trace.num_tokens();
  const auto s_count = trace.num_sentences();
  std::vector<std::int64_t> ids;
  for (const TraceToken& t : trace.tokens) ids.push_back(t.id);
  std::vector<std::int64_t> ranges;
  for (const TokenRange& r : trace.sentence_tokens) {
    ranges.push_back(r.start);
    ranges.push_back(r.end);
  }
  SafetensorsWriter writer;
  writer.set_metadata(kSchemaKey, std::to_string(kTraceSchemaVersion));
  // Paths and texts are bytes: invalid UTF-8 (a non-UTF-8 file name) is replaced, not fatal.
  writer.set_metadata(kTraceKey,
                      meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  writer.add_i64("tokens", {t_count}, ids);
  writer.add_i64("token_sentence", {t_count}, trace.token_sentence);
  writer.add_i64("sentence_token_ranges", {s_count, 2}, ranges);
  writer.add_f32("sentence_attention", {trace.num_layers, trace.num_heads, s_count, s_count},
                 trace.sentence_attention);
  if (!rhythm.empty()) {
    const std::int64_t l = trace.num_layers, h = trace.num_heads;
    writer.add_f64("head_distance", {l, h}, rhythm.head_distance);
    writer.add_f32("token_waad", {l, h, t_count}, rhythm.waad);
    writer.add_f32("token_fai", {l, h, t_count}, rhythm.fai);
    writer.add_f32("key_attention", {l, h, t_count}, rhythm.key_attention);
    if (!rhythm.token_entropy.empty())
      writer.add_f32("token_entropy", {t_count}, rhythm.token_entropy);
  }
  if (!trace.suppression_kl.empty()) {
    writer.add_f64("suppression_kl", {s_count, s_count}, trace.suppression_kl);
  }
  if (!trace.rollout_metrics.empty()) {
    writer.add_f64("rollout_importance",
                   {s_count, static_cast<std::int64_t>(trace.rollout_metrics.size())},
                   trace.rollout_importance);
    writer.add_f64("step_importance", {s_count, s_count}, trace.step_importance);
  }

  writer.write(path);
}

Trace read_trace(const std::filesystem::path& path) {
  const std::string source = path.string();
  const auto file = SafetensorsFile::open(path);
  const auto& metadata = file->metadata();
  const auto version = metadata.find(kSchemaKey);
  SENTLENS_CHECK(version != metadata.end(), FormatError,
                 "{}: not a sentlens trace (no `{}` in the metadata): it is {}; traces come from "
                 "`sentlens trace` or `sentlens analyze --out`",
                 source, kSchemaKey, describe_file(path));
  SENTLENS_CHECK(version->second == std::to_string(kTraceSchemaVersion), FormatError,
                 "{}: unsupported trace schema version '{}' (this sentlens reads version {})",
                 source, version->second, kTraceSchemaVersion);
  const auto json_text = metadata.find(kTraceKey);
  SENTLENS_CHECK(json_text != metadata.end(), FormatError, "{}: no `{}` metadata", source,
                 kTraceKey);
  const nlohmann::json meta = parse_json(json_text->second, source + " metadata " + kTraceKey);

  Trace trace;
  try {
    trace.model = meta.at("model").get<std::string>();
    trace.config_fingerprint = meta.at("config_fingerprint").get<std::string>();
    trace.tokenizer_fingerprint = meta.at("tokenizer_fingerprint").get<std::string>();
    trace.library_version = meta.at("library_version").get<std::string>();
    trace.text = meta.at("text").get<std::string>();
    trace.num_layers = metadata_integer(meta, "num_layers");
    trace.num_heads = metadata_integer(meta, "num_heads");
    const auto& parameters = meta.at("parameters");
    SplitOptions& split = trace.parameters.split;
    split.profile = parse_profile(parameters.at("profile").get<std::string>(), "profile");
    split.think_region = parameters.at("think_region").get<bool>();
    split.min_chunk_chars = metadata_integer(parameters, "min_chunk_chars");
    // Files written before it was recorded split as the default does.
    split.reference_keep_tail = parameters.contains("reference_keep_tail") &&
                                parameters.at("reference_keep_tail").get<bool>();
    trace.parameters.add_bos = parameters.at("add_bos").get<bool>();
    trace.parameters.forward.block_size = metadata_integer(parameters, "block_size");
    // Files written before --allow-longer existed ran within max_position_embeddings.
    trace.parameters.forward.allow_longer =
        parameters.contains("allow_longer") && parameters.at("allow_longer").get<bool>();
    // Files written before the prompt was recorded split the whole text (or had no prompt).
    trace.parameters.response_char_start = parameters.contains("response_char_start")
                                               ? metadata_integer(parameters, "response_char_start")
                                               : 0;
    SENTLENS_CHECK(trace.parameters.response_char_start >= 0, InputError,
                   "response_char_start must be >= 0, found {}",
                   trace.parameters.response_char_start);
    if (meta.contains("rollout_importance")) {
      const auto& rollouts = meta.at("rollout_importance");
      trace.rollout_metrics = rollouts.at("metrics").get<std::vector<std::string>>();
      trace.rollout_source = rollouts.at("rollouts").get<std::string>();
      trace.rollout_embeddings = rollouts.at("embeddings").get<std::string>();
    }
    if (meta.contains("suppression")) {
      trace.suppression_profile = parse_profile(
          meta.at("suppression").at("profile").get<std::string>(), "suppression.profile");
      trace.suppression_temperature = meta.at("suppression").at("temperature").get<double>();
    }
    if (meta.contains("analysis")) trace.analysis = analysis_options_from_json(meta.at("analysis"));
    if (meta.contains("token_rhythm")) {
      const auto& r = meta.at("token_rhythm");
      trace.rhythm.options.response_start = metadata_integer(r, "response_start");
      trace.rhythm.options.window = metadata_integer(r, "window");
      trace.rhythm.options.horizon_lo = metadata_integer(r, "horizon_lo");
      trace.rhythm.options.horizon_hi = metadata_integer(r, "horizon_hi");
      trace.parameters.token_entropy = r.at("token_entropy").get<bool>();
      trace.parameters.response_token = trace.rhythm.options.response_start;
      trace.parameters.window = trace.rhythm.options.window;
      trace.parameters.horizon_lo = trace.rhythm.options.horizon_lo;
      trace.parameters.horizon_hi = trace.rhythm.options.horizon_hi;
      trace.parameters.token_rhythm = true;
    } else {
      trace.parameters.token_rhythm = false;  // schema-1 file from before the token rhythm
      trace.parameters.token_entropy = false;
    }
    const auto sentence_chars = metadata_pairs(meta, "sentence_char_spans");
    const auto sentence_bytes = metadata_pairs(meta, "sentence_byte_spans");
    const auto token_chars = metadata_pairs(meta, "token_char_spans");
    const auto token_bytes = metadata_pairs(meta, "token_byte_spans");
    SENTLENS_CHECK(sentence_chars.size() == sentence_bytes.size(), FormatError,
                   "{}: {} sentence char spans but {} byte spans", source, sentence_chars.size(),
                   sentence_bytes.size());
    for (std::size_t s = 0; s < sentence_chars.size(); ++s) {
      trace.sentences.push_back(Sentence{sentence_chars[s][0], sentence_chars[s][1],
                                         sentence_bytes[s][0], sentence_bytes[s][1]});
    }
    SENTLENS_CHECK(token_chars.size() == token_bytes.size(), FormatError,
                   "{}: {} token char spans but {} byte spans", source, token_chars.size(),
                   token_bytes.size());
    trace.tokens.resize(token_chars.size());
    for (std::size_t t = 0; t < token_chars.size(); ++t) {
      trace.tokens[t] =
          TraceToken{0, token_bytes[t][0], token_bytes[t][1], token_chars[t][0], token_chars[t][1]};
    }
  } catch (const nlohmann::json::exception& error) {
    throw FormatError(fmt::format("{}: bad trace metadata: {}", source, error.what()));
  } catch (const InputError& error) {
    throw FormatError(fmt::format("{}: bad trace metadata: {}", source, error.what()));
  }

  const auto t_count = trace.num_tokens();
  const auto s_count = trace.num_sentences();
  auto expect_shape = [&](const std::string& name, const std::vector<std::int64_t>& shape) {
    SENTLENS_CHECK(file->contains(name), FormatError, "{}: no tensor `{}`", source, name);
    SENTLENS_CHECK(file->info(name).shape == shape, FormatError,
                   "{}: tensor `{}` has shape [{}], expected [{}] from the metadata", source, name,
                   fmt::join(file->info(name).shape, ", "), fmt::join(shape, ", "));
  };
  expect_shape("tokens", {t_count});
  expect_shape("token_sentence", {t_count});
  expect_shape("sentence_token_ranges", {s_count, 2});
  expect_shape("sentence_attention", {trace.num_layers, trace.num_heads, s_count, s_count});
  const auto ids = file->read_i64("tokens");
  for (std::int64_t t = 0; t < t_count; ++t)
    trace.tokens[static_cast<std::size_t>(t)].id = ids[static_cast<std::size_t>(t)];
  trace.token_sentence = file->read_i64("token_sentence");
  const auto ranges = file->read_i64("sentence_token_ranges");
  for (std::int64_t s = 0; s < s_count; ++s) {
    trace.sentence_tokens.push_back(TokenRange{ranges[static_cast<std::size_t>(2 * s)],
                                               ranges[static_cast<std::size_t>(2 * s + 1)]});
  }
  trace.sentence_attention = file->read_f32("sentence_attention");
  if (trace.parameters.token_rhythm) {
    const std::int64_t l = trace.num_layers, h = trace.num_heads;
    expect_shape("head_distance", {l, h});
    expect_shape("token_waad", {l, h, t_count});
    expect_shape("token_fai", {l, h, t_count});
    expect_shape("key_attention", {l, h, t_count});
    TokenRhythm& rhythm = trace.rhythm;
    rhythm.num_layers = l;
    rhythm.num_heads = h;
    rhythm.num_tokens = t_count;
    rhythm.head_distance = file->read_f64("head_distance");
    rhythm.waad = file->read_f32("token_waad");
    rhythm.fai = file->read_f32("token_fai");
    rhythm.key_attention = file->read_f32("key_attention");
    if (trace.parameters.token_entropy) {
      expect_shape("token_entropy", {t_count});
      rhythm.token_entropy = file->read_f32("token_entropy");
    }
  }
  if (trace.suppression_profile) {
    expect_shape("suppression_kl", {s_count, s_count});
    trace.suppression_kl = file->read_f64("suppression_kl");
  }
  if (!trace.rollout_metrics.empty()) {
    expect_shape("rollout_importance",
                 {s_count, static_cast<std::int64_t>(trace.rollout_metrics.size())});
    expect_shape("step_importance", {s_count, s_count});
    trace.rollout_importance = file->read_f64("rollout_importance");
    trace.step_importance = file->read_f64("step_importance");
  }
  validate_trace(trace, source);
  return trace;
}

std::vector<std::string> token_texts(const Trace& trace) {
  std::vector<std::string> texts;
  const auto bytes = static_cast<std::int64_t>(trace.text.size());
  for (const TraceToken& token : trace.tokens) {
    const std::int64_t start = std::clamp<std::int64_t>(token.byte_start, 0, bytes);
    const std::int64_t end = std::clamp<std::int64_t>(token.byte_end, start, bytes);
    texts.push_back(
        trace.text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start)));
  }
  return texts;
}

SentenceMatrices sentence_matrices(const Trace& trace, const std::string& source) {
  SentenceMatrices matrices;
  matrices.num_layers = trace.num_layers;
  matrices.num_heads = trace.num_heads;
  matrices.num_sentences = trace.num_sentences();
  matrices.values = trace.sentence_attention;
  matrices.model_fingerprint = trace.config_fingerprint;
  matrices.source = source;
  return matrices;
}

}  // namespace sentlens
