// TensorStore: the tensors of a checkpoint, in one file or in shards listed by an index.
#include <set>

#include "io/json_file.h"
#include "sentlens/io/safetensors.h"
#include "util/check.h"

namespace sentlens {

TensorStore TensorStore::open_file(const std::filesystem::path& file) {
  TensorStore store;
  store.origin_ = file;
  store.files_.push_back(SafetensorsFile::open(file));
  for (const auto& name : store.files_.front()->names()) store.location_[name] = 0;
  return store;
}

TensorStore TensorStore::open_directory(const std::filesystem::path& directory) {
  const auto single = directory / "model.safetensors";
  const auto index_path = directory / "model.safetensors.index.json";
  if (std::filesystem::exists(single)) {
    TensorStore store = open_file(single);
    store.origin_ = directory;
    return store;
  }
  SENTLENS_CHECK(std::filesystem::exists(index_path), IoError,
                 "{}: no model.safetensors or model.safetensors.index.json in the folder",
                 directory.string());

  const nlohmann::json index = read_json_file(index_path);
  const std::string index_name = index_path.string();
  SENTLENS_CHECK(
      index.is_object() && index.contains("weight_map") && index["weight_map"].is_object(),
      FormatError, "{}: expected an object with a \"weight_map\" object", index_name);

  TensorStore store;
  store.origin_ = directory;
  std::map<std::string, std::size_t> shard_index;
  for (const auto& [tensor, shard_value] : index["weight_map"].items()) {
    SENTLENS_CHECK(shard_value.is_string(), FormatError,
                   "{}: weight_map entry \"{}\" is not a file name", index_name, tensor);
    const auto shard = shard_value.get<std::string>();
    // Shards are plain file names beside the index; anything else could read outside the folder.
    SENTLENS_CHECK(
        !shard.empty() && shard.find('/') == std::string::npos && shard != ".." && shard != ".",
        FormatError,
        "{}: weight_map entry \"{}\" names \"{}\", expected a file name in the same folder",
        index_name, tensor, shard);
    auto found = shard_index.find(shard);
    if (found == shard_index.end()) {
      const auto shard_path = directory / shard;
      SENTLENS_CHECK(std::filesystem::exists(shard_path), IoError,
                     "{}: shard \"{}\" (holding \"{}\") does not exist", index_name, shard, tensor);
      store.files_.push_back(SafetensorsFile::open(shard_path));
      found = shard_index.emplace(shard, store.files_.size() - 1).first;
    }
    SENTLENS_CHECK(store.files_[found->second]->contains(tensor), FormatError,
                   "{}: index places \"{}\" in \"{}\", but that shard has no such tensor",
                   index_name, tensor, shard);
    store.location_[tensor] = found->second;
  }
  SENTLENS_CHECK(!store.files_.empty(), FormatError, "{}: weight_map is empty", index_name);
  return store;
}

const SafetensorsFile& TensorStore::file_of(const std::string& name) const {
  auto found = location_.find(name);
  SENTLENS_CHECK(found != location_.end(), FormatError, "{}: missing tensor \"{}\"",
                 origin_.string(), name);
  return *files_[found->second];
}

std::vector<std::string> TensorStore::names() const {
  std::vector<std::string> result;
  for (const auto& [name, file] : location_) result.push_back(name);
  return result;
}

}  // namespace sentlens
