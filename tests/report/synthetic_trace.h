// A synthetic, internally consistent trace for the report tests: S sentences of `tokens_per`
// tokens after a BOS, L x H heads with a sink column (sentence 0) and one planted anchor
// (`anchor` read strongly by every later sentence in head `anchor_head`), a token rhythm and,
// optionally, a suppression matrix.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "sentlens/trace/trace.h"

namespace sentlens::testing {

struct SyntheticTraceSpec {
  std::int64_t sentences = 12;
  std::int64_t tokens_per = 5;
  std::int64_t layers = 3;
  std::int64_t heads = 4;
  std::int64_t anchor = 3;
  std::pair<std::int64_t, std::int64_t> anchor_head = {1, 2};
  bool rhythm = true;
  bool suppression = true;
  std::uint32_t seed = 7;
};

inline Trace synthetic_trace(const SyntheticTraceSpec& spec) {
  const std::int64_t S = spec.sentences, P = spec.tokens_per, L = spec.layers, H = spec.heads;
  const std::int64_t T = 1 + S * P;
  std::mt19937 random(spec.seed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  Trace trace;
  trace.model = "synthetic";
  trace.config_fingerprint = "synthetic-config";
  trace.tokenizer_fingerprint = "synthetic-tokenizer";
  trace.num_layers = L;
  trace.num_heads = H;
  trace.tokens.push_back(TraceToken{1, 0, 0, 0, 0});
  trace.token_sentence.push_back(-1);
  for (std::int64_t s = 0; s < S; ++s) {
    if (s > 0) trace.text += ' ';
    const auto start = static_cast<std::int64_t>(trace.text.size());
    std::string sentence = fmt::format("Step {} <b>checks</b> \"part\" {} of the plan.", s, s % 7);
    trace.text += sentence;
    const auto end = static_cast<std::int64_t>(trace.text.size());
    trace.sentences.push_back(Sentence{start, end, start, end});
    trace.sentence_tokens.push_back(TokenRange{1 + s * P, 1 + (s + 1) * P});
    for (std::int64_t p = 0; p < P; ++p) {
      const std::int64_t a = start + (end - start) * p / P, b = start + (end - start) * (p + 1) / P;
      trace.tokens.push_back(TraceToken{100 + p, a, b, a, b});
      trace.token_sentence.push_back(s);
    }
  }
  trace.sentence_attention.assign(static_cast<std::size_t>(L * H * S * S), 0.0f);
  for (std::int64_t l = 0; l < L; ++l) {
    for (std::int64_t h = 0; h < H; ++h) {
      float* m = trace.sentence_attention.data() + (l * H + h) * S * S;
      const bool planted = std::make_pair(l, h) == spec.anchor_head;
      for (std::int64_t i = 0; i < S; ++i) {
        for (std::int64_t j = 0; j <= i; ++j) {
          float v = 0.002f + 0.01f * uniform(random);
          if (j == 0) v += 0.02f;  // the sink sentence
          if (j == i) v += 0.03f;
          if (planted && j == spec.anchor && i > j) v += 0.3f;
          m[i * S + j] = v;
        }
      }
    }
  }
  if (spec.rhythm) {
    TokenRhythm& r = trace.rhythm;
    r.num_layers = L;
    r.num_heads = H;
    r.num_tokens = T;
    r.options.response_start = 1;
    for (std::int64_t f = 0; f < L * H; ++f)
      r.head_distance.push_back(1.0 + 40.0 * uniform(random));
    for (std::int64_t f = 0; f < L * H; ++f) {
      for (std::int64_t t = 0; t < T; ++t) {
        r.waad.push_back(t < 1 ? std::nanf("") : uniform(random));
        r.fai.push_back(t + 10 >= T ? std::nanf("") : uniform(random));
        // Column sums: the BOS takes a large share, a few punctuation-free tokens a little.
        float c = static_cast<float>(T - t) * (t == 0 ? 0.5f : 0.01f * uniform(random));
        if (f % 5 == 1 && t == T / 2) c = static_cast<float>(T - t) * 0.3f;  // hidden sinks
        r.key_attention.push_back(c);
      }
    }
  }
  if (spec.suppression) {
    for (std::int64_t i = 0; i < S; ++i)
      for (std::int64_t j = 0; j < S; ++j)
        trace.suppression_kl.push_back(j < i ? -8.0 + 6.0 * uniform(random) : -20.7232658);
    trace.suppression_kl[static_cast<std::size_t>(S)] = std::nan("");  // a NaN cell: E[1, 0]
    trace.suppression_profile = Profile::kClean;
    trace.suppression_temperature = 0.6;
  }
  return trace;
}

}  // namespace sentlens::testing
