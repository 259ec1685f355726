// A C interface to libsentencepiece, built as its own shared module and loaded with
// dlopen(RTLD_LOCAL | RTLD_DEEPBIND) by src/tokenizer/sentencepiece_library.cpp.
//
// Why: Debian's libsentencepiece embeds and exports its own protobuf-lite (3.14), while libtorch
// links the system libprotobuf (3.21). Linked into one program, libprotobuf's start-up code binds
// to sentencepiece's copies and crashes. Loaded privately, each library keeps its own protobuf.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstring>
#include <string>
#include <vector>

namespace sentencepiece::logging {
void SetMinLogLevel(int level);  // exported by libsentencepiece (common.h is not installed)
}  // namespace sentencepiece::logging

namespace {
void set_error(char* error, std::size_t error_size, const std::string& message) {
  if (error == nullptr || error_size == 0) return;
  std::size_t count = std::min(error_size - 1, message.size());
  std::memcpy(error, message.data(), count);
  error[count] = '\0';
}
}  // namespace

extern "C" {

// The piece callback receives (context, id, begin byte, end byte).
using sentlens_spm_piece_callback = void (*)(void*, int, unsigned, unsigned);
using sentlens_spm_text_callback = void (*)(void*, const char*, std::size_t);

void* sentlens_spm_load(const char* bytes, std::size_t size, char* error, std::size_t error_size) {
  auto* processor = new sentencepiece::SentencePieceProcessor();
  auto status = processor->LoadFromSerializedProto(std::string(bytes, size));
  if (!status.ok()) {
    set_error(error, error_size, status.ToString());
    delete processor;
    return nullptr;
  }
  return processor;
}

void sentlens_spm_free(void* handle) {
  delete static_cast<sentencepiece::SentencePieceProcessor*>(handle);
}

int sentlens_spm_encode(void* handle, const char* text, std::size_t size,
                        sentlens_spm_piece_callback callback, void* context) {
  auto* processor = static_cast<sentencepiece::SentencePieceProcessor*>(handle);
  const auto proto = processor->EncodeAsImmutableProto(std::string(text, size));
  for (const auto& piece : proto.pieces()) {
    callback(context, static_cast<int>(piece.id()), piece.begin(), piece.end());
  }
  return 0;
}

int sentlens_spm_decode(void* handle, const int* ids, std::size_t count,
                        sentlens_spm_text_callback callback, void* context, char* error,
                        std::size_t error_size) {
  auto* processor = static_cast<sentencepiece::SentencePieceProcessor*>(handle);
  std::string text;
  auto status = processor->Decode(std::vector<int>(ids, ids + count), &text);
  if (!status.ok()) {
    set_error(error, error_size, status.ToString());
    return 1;
  }
  callback(context, text.data(), text.size());
  return 0;
}

int sentlens_spm_piece_size(void* handle) {
  return static_cast<sentencepiece::SentencePieceProcessor*>(handle)->GetPieceSize();
}

void sentlens_spm_id_to_piece(void* handle, int id, sentlens_spm_text_callback callback,
                              void* context) {
  const std::string& piece =
      static_cast<sentencepiece::SentencePieceProcessor*>(handle)->IdToPiece(id);
  callback(context, piece.data(), piece.size());
}

int sentlens_spm_is_byte(void* handle, int id) {
  return static_cast<sentencepiece::SentencePieceProcessor*>(handle)->IsByte(id) ? 1 : 0;
}

// kind: 0 = bos, 1 = eos, 2 = unk.
int sentlens_spm_special_id(void* handle, int kind) {
  auto* processor = static_cast<sentencepiece::SentencePieceProcessor*>(handle);
  switch (kind) {
    case 0:
      return processor->bos_id();
    case 1:
      return processor->eos_id();
    default:
      return processor->unk_id();
  }
}

// Trains a model with sentencepiece's trainer; `arguments` as for spm_train
// ("--input=... --model_prefix=... ..."). The trainer's log is silenced: it writes to std::cerr,
// which a module loaded with RTLD_DEEPBIND may see uninitialised (the program's copy-relocated
// std::cerr is the initialised one), and the first message would crash. Errors come back in
// `error`.
int sentlens_spm_train(const char* arguments, char* error, std::size_t error_size) {
  sentencepiece::logging::SetMinLogLevel(3);  // FATAL only
  auto status = sentencepiece::SentencePieceTrainer::Train(arguments);
  if (!status.ok()) {
    set_error(error, error_size, status.ToString());
    return 1;
  }
  return 0;
}

}  // extern "C"
