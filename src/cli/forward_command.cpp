// `sentlens forward`: run a checkpoint on a text or ids and save logits / hidden / attention.
#include <fmt/core.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "cli/input_text.h"
#include "cli/progress.h"
#include "sentlens/model/forward_job.h"
#include "sentlens/util/parse_lists.h"

namespace sentlens::cli {

void register_forward_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "forward", "Run a checkpoint on a text or token ids and save the outputs (golden layout)");
  struct Arguments {
    ForwardJob job;
    std::string text, text_file, ids, out;
    bool no_bos = false, json = false, quiet = false;
  };
  auto arguments = std::make_shared<Arguments>();
  add_model_source_options(*command, arguments->job.model);
  const TextOptions text =
      add_text_options(*command, arguments->text, arguments->text_file, "Text to tokenize and run");
  auto* ids = command->add_option("--ids", arguments->ids, "Comma-separated token ids, e.g. 1,2,3");
  text.text->excludes(ids);
  text.text_file->excludes(ids);
  add_no_bos_flag(*command, arguments->no_bos);
  command->add_flag("--quiet", arguments->quiet, "No progress on stderr");
  command->add_flag("--attention", arguments->job.save_attention,
                    "Save `attentions` F32 [L, H, T, T] (memory grows as T²)");
  command->add_flag("--hidden", arguments->job.save_hidden,
                    "Save `hidden` F32 [T, D], the final normed hidden states");
  add_block_size_option(*command, arguments->job.forward.block_size);
  add_allow_longer_flag(*command, arguments->job.forward.allow_longer);
  command->add_option("--out", arguments->out, "Output .safetensors file")->required();
  add_json_flag(*command, arguments->json, "Print a JSON summary on stdout");

  command->callback([arguments, ids] {
    ForwardJob job = arguments->job;
    job.out = arguments->out;
    job.add_bos = !arguments->no_bos;
    if (ids->count() > 0) {  // an empty --ids '' is an empty list (an error), not "no --ids"
      job.ids = parse_int_list(arguments->ids, "--ids");
    } else {
      job.text = read_input_text(arguments->text, arguments->text_file);
    }
    job.on_progress = stderr_progress(arguments->quiet);
    const ForwardSummary summary = run_forward_job(job);
    end_progress_line(arguments->quiet);
    if (arguments->json) {
      nlohmann::ordered_json json;
      json["tokens"] = summary.ids.size();
      nlohmann::ordered_json top = nlohmann::ordered_json::array();
      for (const auto& next : summary.top_next) {
        top.push_back({{"id", next.id}, {"piece", next.piece}, {"probability", next.probability}});
      }
      json["top_next"] = top;
      nlohmann::ordered_json shapes = nlohmann::ordered_json::object();
      for (const auto& [name, shape] : summary.saved) shapes[name] = shape;
      json["saved"] = shapes;
      json["out"] = job.out.string();
      json["seconds"] = {{"load", summary.load_seconds},
                         {"forward", summary.forward_seconds},
                         {"write", summary.write_seconds}};
      json["threads"] = summary.threads;
      fmt::print("{}\n", json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    fmt::print("{} tokens, forward {:.3f} s on {} threads (load {:.3f} s, write {:.3f} s)\n",
               summary.ids.size(), summary.forward_seconds, summary.threads, summary.load_seconds,
               summary.write_seconds);
    for (const auto& [name, shape] : summary.saved) {
      fmt::print("  {:<12} [{}]\n", name, fmt::join(shape, ", "));
    }
    fmt::print("top next tokens:\n");
    for (const auto& next : summary.top_next) {
      fmt::print("  {:>8} {:<16} {:.4f}\n", next.id, next.piece, next.probability);
    }
    fmt::print("wrote {}\n", job.out.string());
  });
}

}  // namespace sentlens::cli
