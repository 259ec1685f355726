// The `sentlens tokens` and `sentlens sinks` jobs: read a trace and analyse its token rhythm.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sentlens/analysis/sinks.h"
#include "sentlens/analysis/token_rhythm.h"

namespace sentlens {

struct TokensJob {
  std::filesystem::path trace;  // trace file with a token rhythm (sentlens trace)
  TokenRoleOptions options;
  bool middle_third = false;  // rank the heads of the paper's five middle-third layers (§2.2)
};

struct TokensReport {
  std::string source;
  std::vector<std::string> token_texts;  // [T]
  TokenRhythmOptions rhythm_options;     // W, H_lo, H_hi, response start of the trace
  std::vector<std::int64_t> layers;      // layers whose heads were ranked
  TokenRoleOptions options;              // as used (the middle third resolved into its layers)
  TokenRoles roles;
};

/// Throws FormatError for an unreadable trace, InputError for a trace without token rhythm (older
/// file or captured with --no-token-rhythm) or bad options.
TokensReport run_tokens_job(const TokensJob& job);

struct SinksJob {
  std::filesystem::path trace;
  SinkOptions options;
};

struct SinksReport {
  std::string source;
  std::vector<std::string> token_texts;  // [T]
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;
  SinkReport sinks;
};

SinksReport run_sinks_job(const SinksJob& job);

/// The reports of a token rhythm from any source (a trace, or attention imported by
/// sentlens/workflow/attention_import.h); `source` names it, `token_texts` labels its tokens.
TokensReport tokens_report(std::string source, std::vector<std::string> token_texts,
                           const TokenRhythm& rhythm, const TokensJob& job);
SinksReport sinks_report(std::string source, std::vector<std::string> token_texts,
                         const TokenRhythm& rhythm, const SinkOptions& options);

/// The report as JSON, the schema of `sentlens tokens --json` (docs/cli.md): trace, parameters,
/// local_heads, global_heads, coupling, every response token, and the positions of the `top`
/// preplan tokens (by Δ) and anchor tokens (by FAI), strongest first. NaN is null; invalid UTF-8
/// in a token's text is replaced.
std::string tokens_report_json(const TokensReport& report, std::size_t top, int indent = 2);

/// The report as JSON, the schema of `sentlens sinks --json`: trace, threshold, min_rows, the
/// per-head summaries and every sink with its token's text.
std::string sinks_report_json(const SinksReport& report, int indent = 2);

}  // namespace sentlens
