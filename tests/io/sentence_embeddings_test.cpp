// SentenceEmbeddings: the JSON map of sentence text to vector, lookups, and centring.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sentlens/error.h"
#include "sentlens/io/sentence_embeddings.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::TempDir;
using ::sentlens::testing::write_text_file;
using testing::error_of;

TEST(SentenceEmbeddings, ReadsEitherLayoutAndNamesAMissingSentence) {
  TempDir dir;
  write_text_file(dir / "plain.json", R"({"One.": [1, 2], "Two.": [3, 4.5]})");
  write_text_file(dir / "wrapped.json", R"({"dim": 2, "embeddings": {"One.": [1, 2]}})");
  const auto plain = SentenceEmbeddings::read(dir / "plain.json");
  EXPECT_EQ(plain.dimension(), 2);
  EXPECT_EQ(plain.size(), 2u);
  EXPECT_EQ(plain.at("Two.", "here"), (std::vector<float>{3.0f, 4.5f}));
  EXPECT_EQ(SentenceEmbeddings::read(dir / "wrapped.json").at("One.", "here"),
            (std::vector<float>{1.0f, 2.0f}));
  EXPECT_FALSE(plain.contains("Three."));
  EXPECT_EQ(error_of<InputError>([&] { plain.at("Three.", "chunk_2/solutions.json entry 5"); }),
            (dir / "plain.json").string() +
                ": no embedding for \"Three.\" (chunk_2/solutions.json entry 5)");
}

TEST(SentenceEmbeddings, CentringSubtractsTheMeanOfTheSet) {
  // Mean of the three vectors: (2, 3, 1).
  const SentenceEmbeddings raw(
      "test vectors", 3,
      {{"a", {1.0f, 2.0f, 0.0f}}, {"b", {3.0f, 2.0f, 0.0f}}, {"c", {2.0f, 5.0f, 3.0f}}});
  const SentenceEmbeddings centred = raw.centred();
  EXPECT_EQ(centred.source(), "test vectors centred on 3 sentences");
  EXPECT_EQ(centred.dimension(), 3);
  EXPECT_EQ(centred.size(), 3u);
  EXPECT_EQ(centred.at("a", ""), (std::vector<float>{-1.0f, -1.0f, -1.0f}));
  EXPECT_EQ(centred.at("b", ""), (std::vector<float>{1.0f, -1.0f, -1.0f}));
  EXPECT_EQ(centred.at("c", ""), (std::vector<float>{0.0f, 2.0f, 2.0f}));
  // The set it came from is unchanged.
  EXPECT_EQ(raw.at("a", ""), (std::vector<float>{1.0f, 2.0f, 0.0f}));

  // One sentence centres to zero (its cosine with itself is then NaN).
  const SentenceEmbeddings one("one", 2, {{"x", {0.5f, -2.0f}}});
  EXPECT_EQ(one.centred().at("x", ""), (std::vector<float>{0.0f, 0.0f}));
}

}  // namespace
}  // namespace sentlens
