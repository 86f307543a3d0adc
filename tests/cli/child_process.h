// Test support: runs the symopt binary as a child process with a time limit (a hang is a
// failure, not a stuck suite), extra environment variables, and the means to SIGKILL it.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace symopt::testing {

struct ChildResult {
  int exit_code = -1;    // when it exited
  int signal = 0;        // when a signal ended it (SIGKILL from the time limit included)
  bool timed_out = false;
  std::string output;    // stdout and stderr together
};

// One running `symopt ARGS...`; its output goes to a file read back at the end.
class SymoptProcess {
 public:
  SymoptProcess(const std::vector<std::string>& arguments,
                const std::vector<std::pair<std::string, std::string>>& environment = {})
      : output_file_(std::filesystem::temp_directory_path() /
                     ("symopt_child_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++) + ".out")) {
    std::vector<std::string> argv_storage = {SYMOPT_BINARY};
    argv_storage.insert(argv_storage.end(), arguments.begin(), arguments.end());
    // Everything the child needs is made before fork: the child only redirects and execs.
    std::vector<std::string> environment_storage;
    for (char** variable = environ; *variable; ++variable) {
      const std::string entry = *variable;
      bool overridden = false;
      for (const auto& [name, value] : environment) overridden |= entry.rfind(name + "=", 0) == 0;
      if (!overridden) environment_storage.push_back(entry);
    }
    for (const auto& [name, value] : environment) environment_storage.push_back(name + "=" + value);
    std::vector<char*> argv, envp;
    for (std::string& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (std::string& e : environment_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(output_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
      }
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
  }
  ~SymoptProcess() {
    if (pid_ > 0 && !finished_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code error;
    std::filesystem::remove(output_file_, error);
  }
  SymoptProcess(const SymoptProcess&) = delete;
  SymoptProcess& operator=(const SymoptProcess&) = delete;

  bool started() const { return pid_ > 0; }
  void kill_now() const { ::kill(pid_, SIGKILL); }

  // Waits for the end, SIGKILLing the child once `limit` has passed.
  ChildResult wait(std::chrono::milliseconds limit) {
    ChildResult result;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    for (;;) {
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) break;
      if (std::chrono::steady_clock::now() > deadline && !result.timed_out) {
        result.timed_out = true;
        ::kill(pid_, SIGKILL);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    finished_ = true;
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    std::ifstream in(output_file_);
    std::stringstream text;
    text << in.rdbuf();
    result.output = text.str();
    return result;
  }

 private:
  static int& counter() {
    static int next = 0;
    return next;
  }
  std::filesystem::path output_file_;
  pid_t pid_ = -1;
  bool finished_ = false;
};

inline ChildResult run_symopt_limited(const std::vector<std::string>& arguments,
                                      const std::vector<std::pair<std::string, std::string>>& environment = {},
                                      std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  SymoptProcess process(arguments, environment);
  return process.wait(limit);
}

}  // namespace symopt::testing
