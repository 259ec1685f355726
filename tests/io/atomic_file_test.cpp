// The one atomic writer: outputs never replace an input or a special file, and the temporary file
// of an interrupted write can be removed from a signal handler.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "sentlens/error.h"
#include "sentlens/io/atomic_file.h"
#include "sentlens/io/text_file.h"
#include "test_support.h"

namespace sentlens {
namespace {

namespace fs = std::filesystem;

std::size_t temporaries_beside(const fs::path& target) {
  std::size_t count = 0;
  for (const auto& entry : fs::directory_iterator(target.parent_path())) {
    if (entry.path().filename().string().rfind(target.filename().string() + ".tmp-", 0) == 0) {
      ++count;
    }
  }
  return count;
}

TEST(AtomicFile, WritesReplacesAndLeavesNoTemporary) {
  testing::TempDir dir;
  const auto target = dir / "out.txt";
  write_text_atomically(target, "first");
  write_text_atomically(target, "second");
  EXPECT_EQ(read_text_file(target), "second");
  EXPECT_EQ(temporaries_beside(target), 0u);
}

// Protection is process-wide and cannot be turned off: checked in a child process, so that the
// other tests of this binary keep the library's default.
void protected_inputs_are_kept() {
  testing::TempDir dir;
  const auto input = dir / "in.txt";
  testing::write_text_file(input, "keep me");
  (void)read_text_file(input);              // read: now an input of this process
  write_text_atomically(input, "keep me");  // unprotected (a library's default): allowed
  (void)read_text_file(input);              // the file now at that path (a new inode)
  protect_input_files();                    // as the CLI does
  try {
    write_text_atomically(input, "gone");
    std::exit(2);
  } catch (const IoError& error) {
    if (std::string(error.what()).find("is also an input") == std::string::npos) std::exit(3);
  }
  // A hard link is the same file under another name.
  fs::create_hard_link(input, dir / "link.txt");
  try {
    write_text_atomically(dir / "link.txt", "gone");
    std::exit(4);
  } catch (const IoError&) {
  }
  if (read_text_file(input) != "keep me") std::exit(5);
  forget_input_file(input);  // an intended in-place update
  write_text_atomically(input, "updated");
  std::exit(read_text_file(input) == "updated" ? 0 : 6);
}

TEST(AtomicFile, AnInputIsNeverAnOutputOnceProtected) {
  EXPECT_EXIT(protected_inputs_are_kept(), ::testing::ExitedWithCode(0), "");
}

TEST(AtomicFile, SpecialFilesAreNotReplaced) {
  testing::TempDir dir;
  const auto fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  testing::expect_error<IoError>([&] { (void)(write_text_atomically(fifo, "x")); });
  EXPECT_TRUE(fs::is_fifo(fifo));
  testing::expect_error<IoError>(
      [&] { (void)(write_text_atomically(dir.path(), "x")); });  // a folder
}

TEST(AtomicFile, TheActiveTemporaryIsRemovedOnRequestAndAFailedWriteCleansUp) {
  testing::TempDir dir;
  const auto target = dir / "out.bin";
  // What the CLI's SIGINT/SIGTERM handler does while a write is under way.
  testing::expect_error<IoError>([&] {
    (void)(write_file_atomically(target, [&](const auto& write) {
      write("abc", 3);
      EXPECT_EQ(temporaries_beside(target), 1u);
      remove_active_temporary_files();
      EXPECT_EQ(temporaries_beside(target), 0u);
      throw IoError("interrupted");
    }));
  });
  EXPECT_FALSE(fs::exists(target));
  EXPECT_EQ(temporaries_beside(target), 0u);
}

}  // namespace
}  // namespace sentlens
