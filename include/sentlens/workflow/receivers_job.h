// The `sentlens receivers` job: load traces or imported attention, find the receiver heads and
// the broadcasting sentences, optionally save every intermediate in the golden oracle layout.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "sentlens/analysis/receivers.h"
#include "sentlens/analysis/sentence_attention.h"

namespace sentlens {

struct ReceiversJob {
  std::vector<std::filesystem::path> traces;           // trace files (sentlens trace)
  std::vector<std::filesystem::path> attention_files;  // or `attn` + `boundaries` files
  AttentionImportOptions import;  // pooling profile and strictness of attention files
  ReceiverOptions options;
  std::int64_t broadcasting_count = 10;  // sentences listed per trace (our choice; §1.7: none)
  std::filesystem::path out;             // optional safetensors with the oracle keys (empty = none)
};

/// The job's result: the analysis, its inputs' sources and matrices, and per trace the top
/// broadcasting sentences.
struct ReceiversReport {
  std::vector<std::string> sources;
  std::vector<SentenceMatrices> inputs;
  ReceiverAnalysis analysis;
  std::vector<std::vector<std::int64_t>> broadcasting;  // per trace, best first
  std::vector<std::string> warnings;
};

/// Runs the job. Throws InputError when both or neither kind of input is given, or for anything
/// analyze_receivers rejects; FormatError for unreadable files.
ReceiversReport run_receivers_job(const ReceiversJob& job);

/// The report as JSON, the schema of `sentlens receivers --json` (docs/cli.md): receiver_heads
/// ({layer, head, kurtosis_mean}, best first), traces ({source, receiver_head_scores,
/// broadcasting_sentences}) and warnings; NaN is null. read_receiver_heads_file reads it back.
std::string receivers_report_json(const ReceiversReport& report, int indent = 2);

/// Reads receiver heads found earlier (e.g. over many traces): a safetensors file with
/// `receiver_heads` int64 [k, 2] (what `sentlens receivers --out` writes) or a JSON file with
/// `receiver_heads` as a list of {"layer", "head"} objects (`sentlens receivers --json`) or of
/// [layer, head] pairs. Throws IoError / FormatError naming the file and the problem.
std::vector<std::pair<std::int64_t, std::int64_t>> read_receiver_heads_file(
    const std::filesystem::path& path);

/// Writes the keys of the golden `oracle_*.safetensors` files: `sentence_matrices_<i>`,
/// `vert_scores_<i>`, `kurtosis_<i>`, `kurtosis_mean`, `top_k_flat_indices`, `receiver_heads`,
/// `receiver_head_scores_<i>` (vertical and receiver scores F32 without control_depth, F64 with
/// it, as the original's dtypes are). Atomic.
void write_receivers_file(const ReceiversReport& report, const std::filesystem::path& path);

}  // namespace sentlens
