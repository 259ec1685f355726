// The safetensors reader's validation, the atomic writer, dtype conversion and sharded stores.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "io/half.h"
#include "io/json_file.h"
#include "sentlens/error.h"
#include "sentlens/io/safetensors.h"
#include "test_support.h"

namespace sentlens {
namespace {

using testing::TempDir;
using testing::write_binary_file;
using testing::write_text_file;

// A file with the given header text and `data_bytes` zero bytes after it.
std::vector<char> make_file(const std::string& header, std::size_t data_bytes) {
  std::vector<char> bytes(8);
  const std::uint64_t size = header.size();
  std::memcpy(bytes.data(), &size, 8);
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), data_bytes, '\0');
  return bytes;
}

// Expects open() to throw E with a message containing the file name and `fragment`.
template <typename E>
void expect_open_error(const std::filesystem::path& path, const std::string& fragment) {
  const std::string message = testing::error_of<E>([&] { SafetensorsFile::open(path); });
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_NE(message.find(fragment), std::string::npos) << message;
}

TEST(SafetensorsReader, RejectsFileShorterThanHeaderLength) {
  TempDir dir;
  write_binary_file(dir / "short.safetensors", {'a', 'b', 'c'});
  expect_open_error<FormatError>(dir / "short.safetensors",
                                 "shorter than the 8-byte header length");
}

TEST(SafetensorsReader, RejectsEmptyFile) {
  TempDir dir;
  write_binary_file(dir / "empty.safetensors", {});
  expect_open_error<FormatError>(dir / "empty.safetensors", "0 bytes");
}

TEST(SafetensorsReader, RejectsHeaderLengthPastEndOfFile) {
  TempDir dir;
  auto bytes = make_file("{}", 0);
  const std::uint64_t huge = 1000;
  std::memcpy(bytes.data(), &huge, 8);
  write_binary_file(dir / "long.safetensors", bytes);
  expect_open_error<FormatError>(dir / "long.safetensors", "header length 1000 runs past the end");
}

TEST(SafetensorsReader, RejectsHeaderThatIsNotJson) {
  TempDir dir;
  write_binary_file(dir / "bad.safetensors", make_file("{not json", 0));
  expect_open_error<FormatError>(dir / "bad.safetensors", "header is not valid JSON");
}

TEST(SafetensorsReader, RejectsHeaderNumberTooLargeForADouble) {
  TempDir dir;
  write_binary_file(dir / "number.safetensors", make_file(R"({"w": 1e999})", 0));
  expect_open_error<FormatError>(dir / "number.safetensors",
                                 "header is not valid JSON (number overflow parsing '1e999')");
}

TEST(SafetensorsReader, RejectsHeaderThatIsNotAnObject) {
  TempDir dir;
  write_binary_file(dir / "array.safetensors", make_file("[1, 2]", 0));
  expect_open_error<FormatError>(dir / "array.safetensors", "not an object");
}

TEST(SafetensorsReader, RejectsUnknownDtypeNamingTheSupportedOnes) {
  TempDir dir;
  write_binary_file(
      dir / "dtype.safetensors",
      make_file(R"({"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}})", 2));
  expect_open_error<FormatError>(dir / "dtype.safetensors",
                                 "tensor \"w\" has unknown dtype \"F8_E4M3\" (supported: F64, F32");
}

TEST(SafetensorsReader, RejectsOffsetsOutOfRange) {
  TempDir dir;
  write_binary_file(
      dir / "range.safetensors",
      make_file(R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", 8));
  expect_open_error<FormatError>(dir / "range.safetensors",
                                 "data_offsets [0, 16] out of range of the 8-byte data section");
}

TEST(SafetensorsReader, RejectsOffsetsNotMatchingShape) {
  TempDir dir;
  write_binary_file(
      dir / "shape.safetensors",
      make_file(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8));
  expect_open_error<FormatError>(dir / "shape.safetensors",
                                 "spans 8 bytes but shape [3] of F32 needs 12 bytes");
}

TEST(SafetensorsReader, RejectsOverlappingTensors) {
  TempDir dir;
  write_binary_file(dir / "overlap.safetensors",
                    make_file(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                    "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                              12));
  expect_open_error<FormatError>(dir / "overlap.safetensors", "overlap");
}

TEST(SafetensorsReader, RejectsShapeWhoseSizeOverflows) {
  TempDir dir;
  write_binary_file(
      dir / "overflow.safetensors",
      make_file(
          R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}})",
          0));
  expect_open_error<FormatError>(dir / "overflow.safetensors", "overflows");
}

TEST(SafetensorsReader, RejectsNegativeShapeAndMissingFields) {
  TempDir dir;
  write_binary_file(
      dir / "negative.safetensors",
      make_file(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}})", 0));
  expect_open_error<FormatError>(dir / "negative.safetensors", "not a non-negative integer");
  write_binary_file(dir / "nooffsets.safetensors",
                    make_file(R"({"w": {"dtype": "F32", "shape": [1]}})", 4));
  expect_open_error<FormatError>(dir / "nooffsets.safetensors", "needs data_offsets");
}

TEST(SafetensorsReader, RejectsHeaderOverTheLimitBeforeReadingIt) {
  TempDir dir;
  const auto path = dir / "huge-header.safetensors";
  auto bytes = make_file("{}", 0);
  const std::uint64_t header_size = kMaxSafetensorsHeaderBytes + 1;
  std::memcpy(bytes.data(), &header_size, 8);
  write_binary_file(path, bytes);
  // A sparse file: the header length fits in the file without the disk holding 100 MB.
  std::filesystem::resize_file(path, 8 + header_size);
  expect_open_error<LimitError>(path,
                                "header of 104857601 bytes exceeds the 104857600 bytes allowed");
}

TEST(SafetensorsReader, RejectsTensorDeclaredLargerThanTheFile) {
  TempDir dir;
  // 2^40 floats: a valid shape whose bytes the 16-byte data section cannot hold.
  write_binary_file(
      dir / "large.safetensors",
      make_file(
          R"({"w": {"dtype": "F32", "shape": [1099511627776], "data_offsets": [0, 4398046511104]}})",
          16));
  expect_open_error<FormatError>(
      dir / "large.safetensors",
      "data_offsets [0, 4398046511104] out of range of the 16-byte data section");
}

TEST(SafetensorsReader, EmptyTensorsReadBackEmpty) {
  // Found by UBSan: memcpy into an empty vector's null data() is undefined even for 0 bytes.
  TempDir dir;
  write_binary_file(dir / "empty.safetensors",
                    make_file(R"({"f": {"dtype": "F32", "shape": [0, 4], "data_offsets": [0, 0]},
                    "i": {"dtype": "I64", "shape": [0], "data_offsets": [0, 0]}})",
                              0));
  const auto file = SafetensorsFile::open(dir / "empty.safetensors");
  EXPECT_TRUE(file->read_f32("f").empty());
  EXPECT_TRUE(file->read_i64("i").empty());
}

TEST(SafetensorsReader, MissingFileIsAnIoError) {
  TempDir dir;
  expect_open_error<IoError>(dir / "absent.safetensors", "cannot open");
}

TEST(SafetensorsReader, UnknownTensorNameIsAnError) {
  TempDir dir;
  SafetensorsWriter writer;
  writer.add_f32("present", {1}, {1.0f});
  writer.write(dir / "one.safetensors");
  auto file = SafetensorsFile::open(dir / "one.safetensors");
  EXPECT_EQ(testing::error_of<FormatError>([&] { file->info("absent"); }),
            (dir / "one.safetensors").string() + ": no tensor named \"absent\"");
}

TEST(SafetensorsWriter, RoundTripsTensorsAndMetadata) {
  TempDir dir;
  SafetensorsWriter writer;
  writer.set_metadata("format", "pt");
  writer.add_f32("weights", {2, 3}, {1, 2, 3, 4, 5, 6});
  writer.add_i64("ids", {3}, {7, -8, 9});
  writer.add_f64("scores", {2}, {0.5, NAN});
  writer.add_f32("empty", {0, 4}, {});
  writer.write(dir / "out.safetensors");
  EXPECT_EQ(std::filesystem::directory_iterator(dir.path())->path().filename(), "out.safetensors")
      << "no temporary file may be left behind";

  auto file = SafetensorsFile::open(dir / "out.safetensors");
  EXPECT_EQ(file->metadata().at("format"), "pt");
  EXPECT_EQ(file->info("weights").shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(file->read_f32("weights"), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(file->read_i64("ids"), (std::vector<std::int64_t>{7, -8, 9}));
  auto scores = file->read_f64("scores");
  EXPECT_EQ(scores[0], 0.5);
  EXPECT_TRUE(std::isnan(scores[1]));
  EXPECT_EQ(file->info("empty").numel(), 0);
  testing::expect_error<FormatError>([&] { (void)(file->read_i64("weights")); });
  testing::expect_error<FormatError>([&] { (void)(file->read_f32("ids")); });
}

TEST(SafetensorsWriter, FailedWriteLeavesTargetUntouched) {
  TempDir dir;
  SafetensorsWriter writer;
  writer.add_f32("x", {1}, {1.0f});
  testing::expect_error<IoError>(
      [&] { (void)(writer.write(dir / "missing-folder" / "out.safetensors")); });
  EXPECT_FALSE(std::filesystem::exists(dir / "missing-folder"));
}

TEST(SafetensorsWriter, RejectsDuplicateNamesAndWrongCounts) {
  SafetensorsWriter writer;
  writer.add_f32("x", {1}, {1.0f});
  testing::expect_error<InputError>([&] { (void)(writer.add_f32("x", {1}, {2.0f})); });
  testing::expect_error<InputError>([&] { (void)(writer.add_f32("y", {2}, {1.0f})); });
}

TEST(HalfPrecision, ConvertsExactlyIncludingSpecialValues) {
  EXPECT_EQ(f16_to_f32(0x3C00), 1.0f);
  EXPECT_EQ(f16_to_f32(0xC000), -2.0f);
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(f16_to_f32(0x7BFF), 65504.0f);
  EXPECT_TRUE(std::isinf(f16_to_f32(0x7C00)));
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7E00)));
  EXPECT_EQ(bf16_to_f32(0x3F80), 1.0f);
  EXPECT_EQ(bf16_to_f32(0xC040), -3.0f);
  for (std::uint32_t bits = 0; bits < 0x7C00; bits += 7) {  // every 7th finite half round-trips
    EXPECT_EQ(f32_to_f16(f16_to_f32(static_cast<std::uint16_t>(bits))), bits);
  }
  EXPECT_EQ(f32_to_f16(1e6f), 0x7C00);                // overflow to inf
  EXPECT_EQ(f32_to_bf16(1.0f + 1.0f / 256), 0x3F80);  // ties to even
}

TEST(SafetensorsReader, UpcastsF16AndBf16) {
  TempDir dir;
  std::vector<std::uint16_t> halves = {0x3C00, 0xC000}, bfloats = {0x3F80, 0xC040};
  SafetensorsWriter writer;
  writer.add("h", DType::F16, {2}, halves.data());
  writer.add("b", DType::BF16, {2}, bfloats.data());
  writer.write(dir / "half.safetensors");
  auto file = SafetensorsFile::open(dir / "half.safetensors");
  EXPECT_EQ(file->read_f32("h"), (std::vector<float>{1.0f, -2.0f}));
  EXPECT_EQ(file->read_f32("b"), (std::vector<float>{1.0f, -3.0f}));
}

TEST(TensorStore, OpensShardsThroughTheIndex) {
  TempDir dir;
  SafetensorsWriter first, second;
  first.add_f32("a", {1}, {1.0f});
  second.add_f32("b", {1}, {2.0f});
  first.write(dir / "part-1.safetensors");
  second.write(dir / "part-2.safetensors");
  write_text_file(dir / "model.safetensors.index.json",
                  R"({"weight_map": {"a": "part-1.safetensors", "b": "part-2.safetensors"}})");
  auto store = TensorStore::open_directory(dir.path());
  EXPECT_EQ(store.files().size(), 2u);
  EXPECT_EQ(store.file_of("b").read_f32("b"), std::vector<float>{2.0f});
  testing::expect_error<FormatError>([&] { (void)(store.file_of("c")); });
}

TEST(TensorStore, IndexNamingMissingShardIsAnError) {
  TempDir dir;
  write_text_file(dir / "model.safetensors.index.json",
                  R"({"weight_map": {"a": "model-00001-of-00002.safetensors"}})");
  EXPECT_THAT(testing::error_of<IoError>([&] { TensorStore::open_directory(dir.path()); }),
              ::testing::HasSubstr(
                  "shard \"model-00001-of-00002.safetensors\" (holding \"a\") does not exist"));
}

TEST(TensorStore, IndexPlacingTensorInWrongShardOrEscapingTheFolderIsAnError) {
  TempDir dir;
  SafetensorsWriter writer;
  writer.add_f32("a", {1}, {1.0f});
  writer.write(dir / "part.safetensors");
  write_text_file(dir / "model.safetensors.index.json",
                  R"({"weight_map": {"b": "part.safetensors"}})");
  const auto message = [&] {
    return testing::error_of<FormatError>([&] { TensorStore::open_directory(dir.path()); });
  };
  EXPECT_THAT(message(), ::testing::HasSubstr("model.safetensors.index.json: index places \"b\" in "
                                              "\"part.safetensors\", but that shard has no such "
                                              "tensor"));
  write_text_file(dir / "model.safetensors.index.json",
                  R"({"weight_map": {"a": "../part.safetensors"}})");
  EXPECT_THAT(message(),
              ::testing::HasSubstr("model.safetensors.index.json: weight_map entry \"a\" "
                                   "names \"../part.safetensors\", expected a file "
                                   "name in the same folder"));
}

TEST(TensorStore, IndexOverTheJsonLimitIsALimitError) {
  TempDir dir;
  const auto index = dir / "model.safetensors.index.json";
  write_text_file(index, "{}");
  std::filesystem::resize_file(index, kMaxJsonFileBytes + 1);  // sparse
  EXPECT_THAT(testing::error_of<LimitError>([&] { TensorStore::open_directory(dir.path()); }),
              ::testing::HasSubstr("file is 268435457 bytes, more than the 268435456 bytes "
                                   "allowed"));
}

TEST(TensorStore, FolderWithoutWeightsIsAnError) {
  TempDir dir;
  EXPECT_EQ(
      testing::error_of<IoError>([&] { TensorStore::open_directory(dir.path()); }),
      dir.path().string() + ": no model.safetensors or model.safetensors.index.json in the folder");
}

}  // namespace
}  // namespace sentlens
