// What a file is, for error messages that say what a command was given when it wanted something
// else ("in.txt: not a sentlens trace: it is a text file"). Never throws.
#pragma once

#include <filesystem>
#include <string>

namespace sentlens {

/// From the first bytes only: "a folder", "a checkpoint folder (config.json)", "an empty file",
/// "a JSON file", "an HTML file", "a text file", "a safetensors file", "a binary file" (or "a
/// file that cannot be read").
std::string sniff_file_kind(const std::filesystem::path& path);

/// sniff_file_kind, and for a safetensors file what wrote it, from its metadata: "a sentlens
/// trace", "a `sentlens receivers --out` file (receiver heads)", "a `sentlens suppress --out`
/// file (suppression matrix)", "a `sentlens forward --attention` file (attention maps)", "a
/// `sentlens calibrate --out` file (ACT calibration)", "a checkpoint shard (safetensors)".
std::string describe_file(const std::filesystem::path& path);

}  // namespace sentlens
