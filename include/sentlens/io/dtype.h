// Element types of safetensors files and their sizes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sentlens {

/// The safetensors element types sentlens reads and writes. Floating types are upcast to F32 for
/// compute; the integer types carry ids and indices.
enum class DType { F64, F32, F16, BF16, I64, I32, U8, BOOL };

/// The safetensors spelling ("F32", "BF16", ...).
std::string_view dtype_name(DType dtype);

/// Parses a safetensors dtype string; nullopt for a type sentlens does not know.
std::optional<DType> parse_dtype(std::string_view name);

/// Bytes per element.
std::size_t dtype_size(DType dtype);

/// True for F64, F32, F16 and BF16.
bool is_floating(DType dtype);

/// Comma-separated list of every supported dtype name, for error messages.
std::string supported_dtype_names();

}  // namespace sentlens
