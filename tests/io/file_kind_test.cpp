// File sniffing for error messages: what a file is, from its first bytes and its metadata.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sentlens/error.h"
#include "sentlens/io/file_kind.h"
#include "sentlens/io/safetensors.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::TempDir;
using ::sentlens::testing::write_binary_file;
using ::sentlens::testing::write_text_file;

TEST(FileKind, FromTheFirstBytes) {
  TempDir dir;
  write_text_file(dir / "empty", "");
  write_text_file(dir / "a.json", "\xEF\xBB\xBF  {\"text\": \"x\"}");
  write_text_file(dir / "list.json", "[1, 2]");
  write_text_file(dir / "r.html", "\n<!DOCTYPE html><html></html>");
  write_text_file(dir / "cot.txt", "Okay, so the train leaves at 9:00 a.m.\nThen it stops.");
  write_binary_file(dir / "blob", {'\x7f', 'E', 'L', 'F', '\0', '\x02'});
  std::filesystem::create_directory(dir / "folder");
  std::filesystem::create_directory(dir / "model");
  write_text_file(dir / "model" / "config.json", "{}");
  EXPECT_EQ(sniff_file_kind(dir / "empty"), "an empty file");
  EXPECT_EQ(sniff_file_kind(dir / "a.json"), "a JSON file");
  EXPECT_EQ(sniff_file_kind(dir / "list.json"), "a JSON file");
  EXPECT_EQ(sniff_file_kind(dir / "r.html"), "an HTML file");
  EXPECT_EQ(sniff_file_kind(dir / "cot.txt"), "a text file");
  EXPECT_EQ(sniff_file_kind(dir / "blob"), "a binary file");
  EXPECT_EQ(sniff_file_kind(dir / "folder"), "a folder");
  EXPECT_EQ(sniff_file_kind(dir / "model"), "a checkpoint folder (config.json)");
  EXPECT_EQ(describe_file(dir / "cot.txt"), "a text file");
}

TEST(FileKind, SafetensorsFilesByWhatWroteThem) {
  TempDir dir;
  auto write = [&](const std::string& name, const std::string& key, const std::string& value,
                   const std::string& tensor) {
    SafetensorsWriter writer;
    if (!key.empty()) writer.set_metadata(key, value);
    writer.add_i64(tensor, {1, 2}, {0, 1});
    writer.write(dir / name);
  };
  write("shard.safetensors", "format", "pt", "model.embed_tokens.weight");
  write("trace.safetensors", "sentlens.schema_version", "1", "tokens");
  write("heads.safetensors", "producer", "sentlens receivers", "receiver_heads");
  write("supp.safetensors", "producer", "sentlens suppress", "kl");
  write("att.safetensors", "producer", "sentlens forward", "attention");
  write("act.safetensors", "sentlens.act.beta", "0.4", "ids");
  EXPECT_EQ(sniff_file_kind(dir / "shard.safetensors"), "a safetensors file");
  EXPECT_EQ(describe_file(dir / "shard.safetensors"),
            "a safetensors file without sentlens metadata (e.g. a checkpoint shard)");
  EXPECT_EQ(describe_file(dir / "trace.safetensors"), "a sentlens trace");
  EXPECT_EQ(describe_file(dir / "heads.safetensors"),
            "a `sentlens receivers --out` file (receiver heads)");
  EXPECT_EQ(describe_file(dir / "supp.safetensors"),
            "a `sentlens suppress --out` file (suppression matrix)");
  EXPECT_EQ(describe_file(dir / "att.safetensors"),
            "a `sentlens forward --attention` file (attention maps)");
  EXPECT_EQ(describe_file(dir / "act.safetensors"),
            "a `sentlens calibrate --out` file (ACT calibration)");
  EXPECT_EQ(describe_file(dir / "missing"), "a path that does not exist");
}

TEST(FileKind, SafetensorsErrorsSayWhatTheFileIs) {
  TempDir dir;
  write_text_file(dir / "cot.txt", "Okay, so the answer is 42. Let me check that again.");
  const std::string message =
      testing::error_of<FormatError>([&] { SafetensorsFile::open(dir / "cot.txt"); });
  EXPECT_NE(message.find("not a safetensors file; it is a text file"), std::string::npos)
      << message;
}

}  // namespace
}  // namespace sentlens
