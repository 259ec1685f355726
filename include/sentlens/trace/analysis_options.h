// How a trace's sentence- and token-level analyses are run. `sentlens analyze` records them in the
// trace it writes, so that `report` and `export-ta` on that file give the analyze answer again.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sentlens/analysis/receivers.h"
#include "sentlens/analysis/sinks.h"
#include "sentlens/analysis/token_rhythm.h"

namespace sentlens {

struct AnalysisOptions {
  ReceiverOptions receivers;  // vertical scores and top-k receiver heads by kurtosis (§1.4-1.6)
  /// Receiver heads chosen elsewhere (e.g. over many traces with `sentlens receivers`), used
  /// instead of this trace's top-k; empty = top-k. A head outside the trace is an InputError.
  std::vector<std::pair<std::int64_t, std::int64_t>> receiver_heads;
  std::string receiver_heads_source;    // the file they were read from ("" = given directly)
  std::int64_t broadcasting_count = 5;  // broadcasting sentences listed, best first
  /// Head classes, preplan and anchor tokens (§2); with roles.receivers empty the receiver-FAI
  /// variant uses the receiver heads found above.
  TokenRoleOptions roles;
  SinkOptions sinks;  // threshold and minimum query rows per key (§3)
};

}  // namespace sentlens
