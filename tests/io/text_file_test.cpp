// read_text_file: the bytes of a text file, or an error naming the file.
#include <gtest/gtest.h>

#include <string>

#include "sentlens/error.h"
#include "sentlens/io/text_file.h"
#include "test_support.h"

namespace sentlens {
namespace {

using testing::error_of;

using ::sentlens::testing::TempDir;
using ::sentlens::testing::write_text_file;

TEST(TextFile, ReadsTheBytesAsTheyAre) {
  TempDir dir;
  const std::string text = "Tom has 3 apples.\r\nCaf\xC3\xA9 <think> One. Two.\n";
  write_text_file(dir / "trace.txt", text);
  EXPECT_EQ(read_text_file(dir / "trace.txt"), text);
}

TEST(TextFile, NamesTheFileInEveryError) {
  TempDir dir;
  const auto missing = (dir / "missing.txt").string();
  EXPECT_EQ(error_of<IoError>([&] { read_text_file(missing); }), missing + ": file not found");
  EXPECT_NE(error_of<IoError>([&] { read_text_file(dir.path()); }).find("is a folder"),
            std::string::npos);
  write_text_file(dir / "empty.txt", "");
  EXPECT_EQ(error_of<InputError>([&] { read_text_file(dir / "empty.txt"); }),
            (dir / "empty.txt").string() + ": the file is empty: there is no text");
  write_text_file(dir / "long.txt", "0123456789");
  EXPECT_NE(error_of<LimitError>([&] {
              read_text_file(dir / "long.txt", 9);
            }).find("long.txt: file is 10 bytes, more than the 9 bytes allowed"),
            std::string::npos);
  EXPECT_EQ(read_text_file(dir / "long.txt", 10), "0123456789");
}

}  // namespace
}  // namespace sentlens
