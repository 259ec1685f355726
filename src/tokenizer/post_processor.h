// Private: the post-processors of tokenizer.json (TemplateProcessing, ByteLevel, BertProcessing,
// RobertaProcessing, Sequence), reduced to what they do to one sequence: special tokens before
// and after it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tokenizer/component_config.h"

namespace sentlens::hf {

/// The special tokens a post-processor puts around a single sequence.
struct SpecialTemplate {
  std::vector<std::int32_t> before;
  std::vector<std::int32_t> after;
};

/// Reads a "post_processor" object (null: nothing added). `token_id` maps a token string to its
/// id, or -1.
SpecialTemplate make_post_processor(
    const Json& config, const std::string& where,
    const std::function<std::int32_t(const std::string&)>& token_id);

}  // namespace sentlens::hf
