// Loading the sentencepiece shim module privately (RTLD_LOCAL | RTLD_DEEPBIND).
#include "tokenizer/sentencepiece_library.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "util/check.h"

namespace sentlens {

namespace {

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SENTLENS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SENTLENS_ASAN 1
#endif

// RTLD_DEEPBIND makes sentencepiece bind to its own protobuf rather than libtorch's.
// AddressSanitizer refuses it (google/sanitizers#611); sanitizer builds are torch-free
// (SENTLENS_CORE_ONLY), so there is no second protobuf to keep apart from.
#ifdef SENTLENS_ASAN
constexpr int kDeepBind = 0;
#else
constexpr int kDeepBind = RTLD_DEEPBIND;
#endif

constexpr const char* kModuleName = "libsentlens_sentencepiece.so";

std::vector<std::string> candidate_paths() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("SENTLENS_SENTENCEPIECE_SHIM"); env != nullptr && *env) {
    candidates.emplace_back(env);
  }
  // Beside the running program (build tree), then the build and install locations.
  std::error_code error;
  auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    candidates.push_back((executable.parent_path() / kModuleName).string());
    candidates.push_back((executable.parent_path().parent_path() / "lib" / kModuleName).string());
  }
  candidates.emplace_back(SENTLENS_SPM_SHIM_BUILD_PATH);
  candidates.emplace_back(SENTLENS_SPM_SHIM_INSTALL_PATH);
  candidates.emplace_back(kModuleName);  // the dynamic loader's own search path
  return candidates;
}

template <typename Function>
void bind(void* module, const char* name, Function& function, const std::string& path) {
  function = reinterpret_cast<Function>(::dlsym(module, name));
  SENTLENS_CHECK(function != nullptr, Error, "{}: missing symbol {}", path, name);
}

SentencePieceLibrary load_library() {
  std::string tried;
  for (const auto& path : candidate_paths()) {
    const bool is_path = path.find('/') != std::string::npos;
    if (is_path && !std::filesystem::exists(path)) continue;
    // RTLD_LOCAL keeps sentencepiece's embedded protobuf out of the global scope; RTLD_DEEPBIND
    // makes sentencepiece bind to its own copy rather than libtorch's libprotobuf.
    void* module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | kDeepBind);
    if (module == nullptr) {
      const char* reason = ::dlerror();
      tried += fmt::format("\n  {}: {}", path, reason != nullptr ? reason : "cannot load");
      continue;
    }
    SentencePieceLibrary library;
    bind(module, "sentlens_spm_load", library.load, path);
    bind(module, "sentlens_spm_free", library.free, path);
    bind(module, "sentlens_spm_encode", library.encode, path);
    bind(module, "sentlens_spm_decode", library.decode, path);
    bind(module, "sentlens_spm_piece_size", library.piece_size, path);
    bind(module, "sentlens_spm_id_to_piece", library.id_to_piece, path);
    bind(module, "sentlens_spm_is_byte", library.is_byte, path);
    bind(module, "sentlens_spm_special_id", library.special_id, path);
    bind(module, "sentlens_spm_train", library.train, path);
    return library;
  }
  throw Error(fmt::format(
      "cannot load the sentencepiece module {} (set SENTLENS_SENTENCEPIECE_SHIM to its path); "
      "tried:{}",
      kModuleName, tried.empty() ? std::string(" no candidate file exists") : tried));
}

}  // namespace

const SentencePieceLibrary& SentencePieceLibrary::get() {
  static const SentencePieceLibrary library = load_library();
  return library;
}

}  // namespace sentlens
