// Sentence embeddings read from a JSON map of text to vector.
#include "sentlens/io/sentence_embeddings.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "io/json_file.h"
#include "sentlens/error.h"
#include "util/check.h"

namespace sentlens {

SentenceEmbeddings::SentenceEmbeddings(std::string source, std::int64_t dimension,
                                       std::unordered_map<std::string, std::vector<float>> vectors)
    : source_(std::move(source)), dimension_(dimension), vectors_(std::move(vectors)) {
  for (const auto& [text, vector] : vectors_) {
    SENTLENS_CHECK(static_cast<std::int64_t>(vector.size()) == dimension_, InputError,
                   "{}: the vector of {} has {} numbers, expected {}", source_,
                   json_excerpt(nlohmann::json(text)), vector.size(), dimension_);
  }
}

SentenceEmbeddings SentenceEmbeddings::read(const std::filesystem::path& path) {
  const std::string source = path.string();
  const nlohmann::json json = read_json_file(path);
  SENTLENS_CHECK(json.is_object(), FormatError,
                 "{}: expected a JSON object mapping sentences to vectors", source);
  const nlohmann::json* map = &json;
  std::int64_t dimension = -1;
  if (json.contains("embeddings") && json["embeddings"].is_object()) {
    map = &json["embeddings"];
    const auto dim = json.find("dim");
    if (dim != json.end()) {
      SENTLENS_CHECK(dim->is_number_integer() && dim->get<std::int64_t>() > 0, FormatError,
                     "{}: `dim` must be a positive integer, got {}", source, json_excerpt(*dim));
      dimension = dim->get<std::int64_t>();
    }
  }
  SENTLENS_CHECK(!map->empty(), FormatError, "{}: holds no embeddings", source);
  std::unordered_map<std::string, std::vector<float>> vectors;
  vectors.reserve(map->size());
  for (const auto& [text, value] : map->items()) {
    const std::string where =
        fmt::format("{}: the vector of {}", source, json_excerpt(nlohmann::json(text)));
    SENTLENS_CHECK(value.is_array() && !value.empty(), FormatError,
                   "{} must be a non-empty list of numbers, got {}", where, json_excerpt(value));
    if (dimension < 0) dimension = static_cast<std::int64_t>(value.size());
    SENTLENS_CHECK(static_cast<std::int64_t>(value.size()) == dimension, FormatError,
                   "{} has {} numbers, expected {}", where, value.size(), dimension);
    std::vector<float> vector;
    vector.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
      SENTLENS_CHECK(value[i].is_number(), FormatError, "{}: element {} is {}, not a number", where,
                     i, json_excerpt(value[i]));
      const double number = value[i].get<double>();
      SENTLENS_CHECK(std::isfinite(number), FormatError, "{}: element {} is not finite", where, i);
      vector.push_back(static_cast<float>(number));
    }
    vectors.emplace(text, std::move(vector));
  }
  return SentenceEmbeddings(source, dimension, std::move(vectors));
}

const std::vector<float>& SentenceEmbeddings::at(std::string_view text,
                                                 std::string_view context) const {
  const auto found = vectors_.find(std::string(text));
  SENTLENS_CHECK(found != vectors_.end(), InputError, "{}: no embedding for {} ({})", source_,
                 json_excerpt(nlohmann::json(std::string(text))), context);
  return found->second;
}

SentenceEmbeddings SentenceEmbeddings::centred() const {
  std::vector<double> mean(static_cast<std::size_t>(dimension_), 0.0);
  for (const auto& entry : vectors_) {
    for (std::size_t d = 0; d < mean.size(); ++d) mean[d] += entry.second[d];
  }
  for (double& value : mean)
    value /= static_cast<double>(std::max<std::size_t>(vectors_.size(), 1));
  std::unordered_map<std::string, std::vector<float>> centred_vectors;
  centred_vectors.reserve(vectors_.size());
  for (const auto& [text, vector] : vectors_) {
    std::vector<float> centred_vector(vector.size());
    for (std::size_t d = 0; d < vector.size(); ++d) {
      centred_vector[d] = static_cast<float>(vector[d] - mean[d]);
    }
    centred_vectors.emplace(text, std::move(centred_vector));
  }
  return SentenceEmbeddings(fmt::format("{} centred on {} sentences", source_, vectors_.size()),
                            dimension_, std::move(centred_vectors));
}

bool SentenceEmbeddings::contains(std::string_view text) const {
  return vectors_.count(std::string(text)) != 0;
}

}  // namespace sentlens
