// Where the bundled demo model (models/demo, trained by sentlens-train-demo) and its example traces
// are: the source tree for a build, share/sentlens for an installation.
#pragma once

#include <filesystem>

namespace sentlens {

/// The demo model folder: $SENTLENS_DEMO_MODEL if set, else models/demo of the source tree this
/// sentlens was built from, else <prefix>/share/sentlens/models/demo. Throws InputError naming the
/// places looked at when none holds a config.json.
std::filesystem::path demo_model_dir();

/// The bundled example trace of the demo model (examples/traces/demo_1.txt next to the model's
/// tree). Throws InputError naming the places looked at when it is absent.
std::filesystem::path demo_trace_file();

}  // namespace sentlens
