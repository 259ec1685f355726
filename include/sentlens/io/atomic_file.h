// Every file sentlens writes goes through here: written to a temporary file beside the target,
// flushed and renamed over it (a reader never sees half a file), after a safety check that the
// target is none of the files this process has read (an output path equal to an input would
// destroy it) and is a regular file (not a device, FIFO or socket, which a rename would replace).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string_view>

namespace sentlens {

/// Records a file this process read (by device and inode). The readers of safetensors, JSON and
/// text files call it; call it for inputs read by other means.
void note_input_file(const std::filesystem::path& path);

/// From now on no output of this process may replace a file it read: for one-shot programs such as
/// the CLI, where an output path equal to an input is a mistake that would destroy the input. Off
/// by default, since a long-running program may mean to rewrite a file it read earlier.
void protect_input_files();

/// `path` is an input that the caller means to update in place (e.g. `suppress --trace T` adds a
/// matrix to T): outputs may replace it again.
void forget_input_file(const std::filesystem::path& path);

/// Throws IoError when `path` exists and is not a regular file, or (with protect_input_files) is a
/// file this process read.
void check_output_path(const std::filesystem::path& path);

/// Writes through `write(bytes, count)` calls made by `produce`, atomically (temporary file
/// `PATH.tmp-XXXXXXXX`, fsync, rename). On SIGINT/SIGTERM the CLI removes the temporary file
/// (remove_active_temporary_files); after SIGKILL one may be left behind, named so. Throws IoError.
void write_file_atomically(
    const std::filesystem::path& path,
    const std::function<void(const std::function<void(const void*, std::size_t)>& write)>& produce);

/// write_file_atomically of one string.
void write_text_atomically(const std::filesystem::path& path, std::string_view text);

/// Unlinks the temporary files being written right now. Async-signal-safe: for signal handlers.
void remove_active_temporary_files();

}  // namespace sentlens
