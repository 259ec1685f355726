// `sentlens info`: what a checkpoint is (family, sizes, parameters, stored dtype).
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "sentlens/model/model.h"

namespace sentlens::cli {

void register_info_command(CLI::App& app) {
  auto* command = app.add_subcommand("info", "Describe a Hugging Face checkpoint folder");
  auto model_dir = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  add_model_option(*command, *model_dir, "Checkpoint folder (config.json + safetensors)");
  add_json_flag(*command, *json, "Print one JSON object instead of a table");
  command->callback([model_dir, json] {
    const Model model = Model::load(*model_dir, LoadOptions{torch::kCPU, 1});
    const ModelConfig& config = model.config();
    nlohmann::ordered_json summary = {
        {"model", *model_dir},
        {"family", config.model_type},
        {"layers", config.num_layers},
        {"heads", config.num_heads},
        {"kv_heads", config.num_kv_heads},
        {"head_dim", config.head_dim},
        {"hidden_size", config.hidden_size},
        {"intermediate_size", config.intermediate_size},
        {"activation", activation_name(config.activation)},
        {"attention", config.attention == AttentionKind::kLatent ? "latent" : "standard"},
        {"experts", config.num_experts},
        {"experts_per_token", config.experts_per_token},
        {"vocab_size", config.vocab_size},
        {"max_position_embeddings", config.max_position_embeddings},
        {"parameters", model.parameter_count()},
        {"dtype_on_disk", model.stored_dtype()},
        {"tied_embeddings", config.tie_word_embeddings},
        {"sliding_window", config.sliding_window ? nlohmann::ordered_json(*config.sliding_window)
                                                 : nlohmann::ordered_json(nullptr)},
        {"config_fingerprint", config.fingerprint()},
    };
    if (*json) {
      fmt::print("{}\n", summary.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    for (const auto& [key, value] : summary.items()) {
      fmt::print("{:<24} {}\n", key, value.is_string() ? value.get<std::string>() : value.dump());
    }
  });
}

}  // namespace sentlens::cli
