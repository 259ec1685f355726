// Loading a job's model and tokenizer from its ModelSource (model_source.h).
#include "sentlens/model/model_source.h"

#include "sentlens/model/device.h"

namespace sentlens {

LoadOptions ModelSource::load_options() const {
  return LoadOptions{parse_device(device), threads, weights};
}

Model ModelSource::load_model() const {
  return Model::load(dir, load_options());
}

std::unique_ptr<Tokenizer> ModelSource::load_tokenizer() const {
  return sentlens::load_tokenizer(tokenizer_path());
}

}  // namespace sentlens
