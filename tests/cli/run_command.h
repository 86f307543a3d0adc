// Test support: runs the symopt binary with arguments and captures exit code and output.
#pragma once

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace symopt::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line, stderr merged into stdout.
inline CommandResult run_shell(const std::string& command_line) {
  const std::string command = command_line + " 2>&1";
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer;
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// `arguments` is appended to the binary path as shell words (quote where needed).
inline CommandResult run_symopt(const std::string& arguments) {
  return run_shell(std::string(SYMOPT_BINARY) + " " + arguments);
}

}  // namespace symopt::testing
