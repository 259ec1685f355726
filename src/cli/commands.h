// The CLI's subcommands. Each file src/cli/<name>_command.cpp defines one register function that
// adds its subcommand to the app; main.cpp calls them all and maps errors to exit codes.
#pragma once

#include <CLI/CLI.hpp>

namespace sentlens::cli {

void register_info_command(CLI::App& app);
void register_forward_command(CLI::App& app);
void register_suppress_command(CLI::App& app);
void register_split_command(CLI::App& app);
void register_trace_command(CLI::App& app);
void register_receivers_command(CLI::App& app);
void register_tokenize_command(CLI::App& app);
void register_tokens_command(CLI::App& app);
void register_sinks_command(CLI::App& app);
void register_calibrate_command(CLI::App& app);
void register_analyze_command(CLI::App& app);
void register_report_command(CLI::App& app);
void register_export_ta_command(CLI::App& app);
void register_importance_command(CLI::App& app);
void register_generate_command(CLI::App& app);
void register_resample_command(CLI::App& app);

}  // namespace sentlens::cli
