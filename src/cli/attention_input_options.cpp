// `--attention FILE` with its tokenizer options.
#include "cli/attention_input_options.h"

#include "cli/common_options.h"
#include "cli/input_text.h"

namespace sentlens::cli {

AttentionDumpInput AttentionInputArguments::input() const {
  AttentionDumpInput input;
  input.attention = attention;
  input.tokenizer_dir = tokenizer.empty() ? model_dir : tokenizer;
  if (!text.empty() || !text_file.empty()) {
    if (input.tokenizer_dir.empty())
      throw CLI::ValidationError("--text/--text-file need --model or --tokenizer to tokenize it");
    input.text = read_input_text(text, text_file);
  }
  input.add_bos = !no_bos;
  return input;
}

void add_attention_input_options(CLI::App& command, AttentionInputArguments& arguments,
                                 CLI::Option* trace) {
  arguments.attention_option =
      command.add_option("--attention", arguments.attention,
                         "Instead of a trace: attention [L, H, T, T] in safetensors "
                         "(`attentions`, as sentlens forward --attention writes, or `attn`)");
  trace->excludes(arguments.attention_option);
  auto* model = command.add_option("--model", arguments.model_dir,
                                   "With --attention: a folder whose tokenizer labels the tokens "
                                   "(of --text/--text-file)");
  auto* tokenizer = command.add_option(
      "--tokenizer", arguments.tokenizer,
      "With --attention: a tokenizer file (tokenizer.json, tokenizer.model, vocab.json) or folder "
      "instead of --model");
  tokenizer->excludes(model);
  const TextOptions text = add_text_options(command, arguments.text, arguments.text_file,
                                            "With --attention and --model or --tokenizer: the text "
                                            "the attention was computed on");
  auto* no_bos = add_no_bos_flag(command, arguments.no_bos,
                                 "With --attention: the text was encoded without BOS");
  for (auto* option : {model, tokenizer, text.text, text.text_file, no_bos}) {
    option->needs(arguments.attention_option);
  }
}

void require_trace_or_attention(const std::string& trace,
                                const AttentionInputArguments& arguments) {
  if (trace.empty() == arguments.attention.empty()) {
    throw CLI::ValidationError("give a trace file or --attention FILE (one of them)");
  }
}

}  // namespace sentlens::cli
