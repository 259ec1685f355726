// Private: libsentencepiece, reached through the sentlens_sentencepiece module loaded privately
// (see src/sentencepiece_shim/shim.cpp for why it cannot be linked directly).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sentlens {

/// The shim's functions. get() loads it once per process; throws Error naming the places searched
/// when it cannot be found.
struct SentencePieceLibrary {
  using PieceCallback = void (*)(void*, int, unsigned, unsigned);
  using TextCallback = void (*)(void*, const char*, std::size_t);

  void* (*load)(const char*, std::size_t, char*, std::size_t) = nullptr;
  void (*free)(void*) = nullptr;
  int (*encode)(void*, const char*, std::size_t, PieceCallback, void*) = nullptr;
  int (*decode)(void*, const int*, std::size_t, TextCallback, void*, char*, std::size_t) = nullptr;
  int (*piece_size)(void*) = nullptr;
  void (*id_to_piece)(void*, int, TextCallback, void*) = nullptr;
  int (*is_byte)(void*, int) = nullptr;
  int (*special_id)(void*, int) = nullptr;
  int (*train)(const char*, char*, std::size_t) = nullptr;

  static const SentencePieceLibrary& get();
};

}  // namespace sentlens
