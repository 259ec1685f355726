// sentlens command-line entry point: registers the subcommands and maps errors to exit codes, in
// this one place (documented in docs/cli.md).
#include <cstdlib>
#include <exception>

#include <fmt/core.h>

#include "cli/commands.h"
#include "sentlens/error.h"
#include "sentlens/log.h"

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
  fmt::print(stderr, "sentlens: {}: {}\n", kind, error.what());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sentlens: sentence-level attention analysis of LLM reasoning traces"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags such as --verbose also work after the subcommand
  app.set_version_flag("--version", std::string("sentlens ") + SENTLENS_CLI_VERSION);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log progress and details to stderr");
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
  } catch (const std::exception& error) {
    return report("internal error", error, kExitInternal);
  }
  return EXIT_SUCCESS;
}
