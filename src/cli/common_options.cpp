// Private CLI helpers: options shared by several subcommands.
#include "cli/common_options.h"

#include <map>

namespace sentlens::cli {

namespace {

CLI::Option* add_tokenizer_option(CLI::App& command, std::filesystem::path& tokenizer) {
  return command.add_option(
      "--tokenizer", tokenizer,
      "Tokenizer file (tokenizer.json, tokenizer.model, vocab.json) or folder, instead of the "
      "checkpoint's (for a checkpoint folder without tokenizer files)");
}

CLI::Option* add_threads_option(CLI::App& command, int& threads) {
  return command.add_option("--threads", threads, "Intra-op threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, 4096));
}

CLI::Option* add_weights_option(CLI::App& command, WeightsMode& weights) {
  const std::map<std::string, WeightsMode> names = {{"auto", WeightsMode::kAuto},
                                                    {"resident", WeightsMode::kResident},
                                                    {"stream", WeightsMode::kStream}};
  return command
      .add_option("--weights", weights,
                  "Where the weights live: resident (in memory, in the checkpoint's dtype), stream "
                  "(read from disk layer by layer as the forward runs: for models larger than "
                  "memory) or auto (resident when they fit)")
      ->transform(CLI::CheckedTransformer(names))
      ->default_str("auto");
}

CLI::Option* add_device_option(CLI::App& command, std::string& device) {
  return command.add_option("--device", device, "Torch device (cpu, cuda, cuda:1)")
      ->capture_default_str();
}

}  // namespace

CLI::Option* add_model_option(CLI::App& command, std::string& model_dir, const std::string& help) {
  return command.add_option("--model", model_dir, help)->required();
}

ModelSourceOptions add_model_source_options(CLI::App& command, ModelSource& source,
                                            const std::string& model_help, bool model_required) {
  ModelSourceOptions options;
  options.model = command.add_option("--model", source.dir, model_help);
  if (model_required) options.model->required();
  options.tokenizer = add_tokenizer_option(command, source.tokenizer);
  options.threads = add_threads_option(command, source.threads);
  options.weights = add_weights_option(command, source.weights);
  options.device = add_device_option(command, source.device);
  return options;
}

TextOptions add_text_options(CLI::App& command, std::string& text, std::string& text_file,
                             const std::string& text_help) {
  TextOptions options;
  options.text = command.add_option("--text", text, text_help);
  options.text_file = command.add_option("--text-file", text_file, "File with the text");
  options.text->excludes(options.text_file);
  return options;
}

CLI::Option* add_block_size_option(CLI::App& command, std::int64_t& block_size) {
  return command.add_option("--block-size", block_size, "Query rows per attention block")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30));
}

CLI::Option* add_no_bos_flag(CLI::App& command, bool& no_bos, const std::string& help) {
  return command.add_flag("--no-bos", no_bos, help);
}

CLI::Option* add_allow_longer_flag(CLI::App& command, bool& allow_longer) {
  return command.add_flag("--allow-longer", allow_longer,
                          "Allow more tokens than max_position_embeddings (rotary positions only)");
}

std::optional<std::int64_t> PromptOptions::chars() const {
  if (prompt_chars_option == nullptr || prompt_chars_option->count() == 0) return std::nullopt;
  return prompt_chars;
}

std::optional<std::string> PromptOptions::marker() const {
  if (response_marker_option == nullptr || response_marker_option->count() == 0) {
    return std::nullopt;
  }
  return response_marker;
}

void add_prompt_options(CLI::App& command, PromptOptions& prompt) {
  prompt.prompt_chars_option = command.add_option(
      "--prompt-chars", prompt.prompt_chars,
      "The response starts at this character (code point); the prompt is in no sentence");
  prompt.prompt_chars_option->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  prompt.response_marker_option =
      command.add_option("--response-start", prompt.response_marker,
                         "The response starts right after the first occurrence of this string");
  prompt.prompt_chars_option->excludes(prompt.response_marker_option);
}

CLI::Option* add_json_flag(CLI::App& command, bool& json, const std::string& help) {
  return command.add_flag("--json", json, help);
}

CLI::Option* add_profile_option(CLI::App& command, std::string& profile, const std::string& help) {
  return command.add_option("--profile", profile, help)->capture_default_str();
}

CLI::Option* add_top_k_option(CLI::App& command, std::int64_t& top_k) {
  return command
      .add_option("--top-k", top_k,
                  "Receiver heads: the top-k heads by kurtosis; 0 = automatic, ceil(L x H / 16) "
                  "between 1 and 20 (the original code: 20)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30));
}

CLI::Option* add_sink_min_rows_option(CLI::App& command, std::int64_t& min_rows,
                                      const std::string& prefix) {
  return command
      .add_option("--" + prefix + "min-rows", min_rows,
                  "Sinks: keys seen by fewer query rows (the last tokens) are never sinks, their "
                  "c_j averages too few rows; 1 = every key, ACT's formula exactly")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
}

}  // namespace sentlens::cli
