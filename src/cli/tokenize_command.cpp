// `sentlens tokenize`: a checkpoint's tokenizer on a text (ids, pieces, spans), or --decode of ids.
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "io/json_file.h"
#include "sentlens/io/text_file.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "sentlens/tokenizer/unknown_tokens.h"
#include "sentlens/util/parse_lists.h"

namespace sentlens::cli {

namespace {

struct TokenizeArgs {
  std::string model_dir;
  std::string tokenizer_file;
  std::string text;
  std::string text_file;
  std::string decode;
  bool no_bos = false;
  bool json = false;
};

// JSON string escaping for the table too, so pieces with spaces or newlines stay on one line.
std::string quoted(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void run(const TokenizeArgs& args) {
  const auto tokenizer =
      load_tokenizer(args.tokenizer_file.empty() ? args.model_dir : args.tokenizer_file);
  if (!args.decode.empty()) {
    const std::string text = tokenizer->decode(parse_int_list(args.decode, "--decode"));
    if (args.json) {
      fmt::print("{}\n", nlohmann::ordered_json{{"text", text}}.dump(
                             -1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      fmt::print("{}\n", text);
    }
    return;
  }
  // An empty text is tokenized (to BOS alone, say), from --text or from an empty file alike.
  const std::string text =
      args.text_file.empty() ? args.text : read_file_bytes(args.text_file, kMaxTextFileBytes);
  const Encoding encoding = tokenizer->encode(text, EncodeOptions{!args.no_bos});
  const std::optional<std::string> unknown = unknown_tokens_warning(encoding, text);
  if (unknown) fmt::print(stderr, "warning: {}\n", *unknown);
  if (args.json) {
    nlohmann::ordered_json out;
    out["ids"] = encoding.ids();
    out["tokens"] = nlohmann::ordered_json::array();
    for (const Token& token : encoding.tokens) {
      out["tokens"].push_back({{"id", token.id},
                               {"piece", token.piece},
                               {"byte_start", token.byte_start},
                               {"byte_end", token.byte_end},
                               {"char_start", token.char_start},
                               {"char_end", token.char_end}});
    }
    fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  fmt::print("{} tokens ({}, {})\n", encoding.size(), tokenizer->kind(), tokenizer->fingerprint());
  fmt::print("{:>6} {:>8}  {:<24} {:>15} {:>15}  {}\n", "index", "id", "piece", "bytes", "chars",
             "text");
  for (std::size_t i = 0; i < encoding.tokens.size(); ++i) {
    const Token& token = encoding.tokens[i];
    const std::string span_text =
        token.special ? "(special)"
                      : quoted(text.substr(token.byte_start, token.byte_end - token.byte_start));
    fmt::print("{:>6} {:>8}  {:<24} {:>15} {:>15}  {}\n", i, token.id, quoted(token.piece),
               fmt::format("[{}, {})", token.byte_start, token.byte_end),
               fmt::format("[{}, {})", token.char_start, token.char_end), span_text);
  }
}

}  // namespace

void register_tokenize_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "tokenize",
      "Tokenize a text with a checkpoint's tokenizer (ids, pieces, spans), or decode ids");
  auto args = std::make_shared<TokenizeArgs>();
  auto* model = command->add_option("--model", args->model_dir,
                                    "Checkpoint folder (tokenizer.json, tokenizer.model or "
                                    "vocab.json + merges.txt)");
  auto* tokenizer = command->add_option(
      "--tokenizer", args->tokenizer_file,
      "Tokenizer file (tokenizer.json, tokenizer.model, vocab.json); overrides --model");
  auto* text = command->add_option("--text", args->text, "Text to tokenize");
  auto* text_file = command->add_option("--text-file", args->text_file, "File with the text");
  auto* decode = command->add_option("--decode", args->decode, "Comma-separated ids to decode")
                     ->check(
                         [](const std::string& value) {
                           return value.empty() ? std::string("needs a comma-separated id list")
                                                : std::string();
                         },
                         "IDS");
  add_no_bos_flag(*command, args->no_bos,
                  "Do not add BOS or other special tokens of the tokenizer's template");
  add_json_flag(*command, args->json,
                "Print one JSON object {\"ids\": [...], \"tokens\": [{id, piece, byte_start, "
                "byte_end, char_start, char_end}]}");
  auto* source = command->add_option_group("source", "Where the tokenizer comes from");
  source->add_option(model);
  source->add_option(tokenizer);
  source->require_option(1, 2);
  auto* input = command->add_option_group("input", "What to tokenize or decode");
  input->add_option(text);
  input->add_option(text_file);
  input->add_option(decode);
  input->require_option(1);
  command->callback([args] { run(*args); });
}

}  // namespace sentlens::cli
