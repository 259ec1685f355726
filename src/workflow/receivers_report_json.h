// Private: the JSON of a receivers report, for the CLI to extend (warnings in its terms, the
// output path) before it prints. Library users call receivers_report_json
// (sentlens/workflow/receivers_job.h).
#pragma once

#include <nlohmann/json.hpp>

#include "sentlens/workflow/receivers_job.h"

namespace sentlens {

nlohmann::ordered_json receivers_report_to_json(const ReceiversReport& report);

}  // namespace sentlens
