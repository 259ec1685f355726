// sentlens command-line entry point: registers the subcommands and maps errors to exit codes, in
// this one place (documented in docs/cli.md).
#include <csignal>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>

#include <fmt/core.h>

#include "cli/commands.h"
#include "cli/flag_names.h"
#include "cli/suggestions.h"
#include "sentlens/error.h"
#include "sentlens/io/atomic_file.h"
#include "sentlens/log.h"
#include "sentlens/util/openmp.h"
#include "sentlens/util/version.h"

namespace {

// Exit codes (docs/cli.md).
constexpr int kExitError = 1;        // any other sentlens::Error
constexpr int kExitUsage = 2;        // the command line itself is wrong (unknown option, ...)
constexpr int kExitInputError = 3;   // invalid input or options
constexpr int kExitFormatError = 4;  // a file is not in the expected format (incl. config errors)
constexpr int kExitIoError = 5;      // a file cannot be read or written
constexpr int kExitLimitError = 6;   // the request exceeds a size limit
constexpr int kExitInternal = 70;    // an unexpected exception (a bug: please report it)

int report(const char* kind, const std::exception& error, int code) {
  fmt::print(stderr, "sentlens: {}: {}\n", kind, sentlens::cli::in_cli_terms(error.what()));
  return code;
}

// An allocation failure from libtorch's allocators (c10::Error, whose message carries a backtrace)
// or from operator new: one line with the size when the message gives it.
bool is_out_of_memory(const std::string& message) {
  return message.find("can't allocate memory") != std::string::npos ||
         message.find("not enough memory") != std::string::npos ||
         message.find("out of memory") != std::string::npos;
}

int report_out_of_memory(const std::string& message) {
  std::string size;
  const std::string marker = "you tried to allocate ";
  const auto at = message.find(marker);
  if (at != std::string::npos) {
    const auto bytes = std::strtod(message.c_str() + at + marker.size(), nullptr);
    if (bytes > 0) size = fmt::format(" (an allocation of {:.2f} GiB failed)", bytes / (1 << 30));
  }
  fmt::print(stderr,
             "sentlens: too large: out of memory{}; try --weights stream, a shorter input or a "
             "smaller batch\n",
             size);
  return kExitLimitError;
}

// SIGINT / SIGTERM during a write: remove the temporary file being written (the target is
// untouched until the rename), then end as the signal would.
void on_termination_signal(int signal_number) {
  sentlens::remove_active_temporary_files();
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// Whether the subcommand (the first argument that is not a flag) runs a forward pass.
bool runs_a_model(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument.empty() || argument[0] == '-') continue;
    return argument == "analyze" || argument == "trace" || argument == "forward" ||
           argument == "suppress" || argument == "calibrate";
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  // Commands that run a model re-execute once with a passive OpenMP wait policy (measured 1.44x
  // on a forward; sentlens/util/openmp.h); the others skip the ~0.4 s of a second start.
  if (runs_a_model(argc, argv)) sentlens::ensure_passive_openmp_wait(argv);
  std::signal(SIGINT, on_termination_signal);
  std::signal(SIGTERM, on_termination_signal);
  // One command, one set of inputs: an output path equal to one of them is a mistake.
  sentlens::protect_input_files();
  CLI::App app{"sentlens: sentence-level attention analysis of LLM reasoning traces"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags such as --verbose also work after the subcommand
  app.set_version_flag("--version", std::string("sentlens ") + sentlens::version());
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log progress and details to stderr");
  sentlens::set_log_rewrite(
      [](const std::string& text) { return sentlens::cli::in_cli_terms(text); });
  app.parse_complete_callback([&] {
    sentlens::set_log_level(verbose ? sentlens::LogLevel::kDebug : sentlens::LogLevel::kWarning);
  });

  sentlens::cli::register_analyze_command(app);
  sentlens::cli::register_info_command(app);
  sentlens::cli::register_forward_command(app);
  sentlens::cli::register_suppress_command(app);
  sentlens::cli::register_split_command(app);
  sentlens::cli::register_trace_command(app);
  sentlens::cli::register_receivers_command(app);
  sentlens::cli::register_tokenize_command(app);
  sentlens::cli::register_tokens_command(app);
  sentlens::cli::register_sinks_command(app);
  sentlens::cli::register_calibrate_command(app);
  sentlens::cli::register_report_command(app);
  sentlens::cli::register_export_ta_command(app);
  sentlens::cli::register_importance_command(app);
  sentlens::cli::register_generate_command(app);
  sentlens::cli::register_resample_command(app);

  if (const auto unknown = sentlens::cli::unknown_argument_message(app, argc, argv)) {
    fmt::print(stderr, "sentlens: {}\n", *unknown);
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11 prints the message (or the help text for --help, which exits 0).
    return app.exit(error) == 0 ? EXIT_SUCCESS : kExitUsage;
  } catch (const sentlens::InputError& error) {
    return report("invalid input", error, kExitInputError);
  } catch (const sentlens::FormatError& error) {
    return report("bad file", error, kExitFormatError);
  } catch (const sentlens::ConfigError& error) {
    return report("bad model config", error, kExitFormatError);
  } catch (const sentlens::IoError& error) {
    return report("i/o error", error, kExitIoError);
  } catch (const sentlens::LimitError& error) {
    return report("too large", error, kExitLimitError);
  } catch (const sentlens::Error& error) {
    return report("error", error, kExitError);
  } catch (const std::bad_alloc&) {
    return report_out_of_memory("");
  } catch (const std::exception& error) {
    if (is_out_of_memory(error.what())) return report_out_of_memory(error.what());
    return report("internal error", error, kExitInternal);
  }
  return EXIT_SUCCESS;
}
