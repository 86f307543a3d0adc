// Writing files so that a crash never leaves a partial one: write a temporary beside the
// target, fsync it, rename it over the target, fsync the directory.
#pragma once

#include <filesystem>
#include <string_view>

namespace symopt {

// Throws InputError naming the path when the directory is not writable.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);
// Reads a whole file; throws InputError naming the path when it cannot be read.
std::string read_whole_file(const std::filesystem::path& path);

}  // namespace symopt
