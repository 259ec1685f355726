// Private CLI helpers: progress lines on stderr for the long steps of every command.
#pragma once

#include <functional>
#include <string>

namespace sentlens::cli {

/// Progress lines on stderr: redrawn in place on a terminal, one per line otherwise (a pipe, a
/// log file); none when `quiet`.
std::function<void(const std::string&)> stderr_progress(bool quiet);

/// Clears the progress line stderr_progress redraws on a terminal (nothing otherwise).
void end_progress_line(bool quiet);

}  // namespace sentlens::cli
