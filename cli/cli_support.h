// Shared pieces of the subcommands: loading programs from files with file-named errors,
// and the exit-code convention (0 ok, 1 failure, 2 bad usage or bad input).
#pragma once

#include "dsl/analyzer.h"
#include "dsl/program.h"

#include <filesystem>
#include <string>

namespace symopt::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_bad_input = 2;

// Reads a program from a .opt text file or a program JSON file ({"text": ...}). Errors are
// InputError prefixed "FILE:LINE:COLUMN: ".
Program load_program_file(const std::filesystem::path& path);
// load_program_file + analyze, with the same error convention.
AnalyzedProgram load_analyzed_program(const std::filesystem::path& path);

}  // namespace symopt::cli
