// The version of this sentlens build (CMake's PROJECT_VERSION), as traces, reports and
// `sentlens --version` state it.
#pragma once

namespace sentlens {

/// e.g. "0.3.0".
const char* version();

}  // namespace sentlens
