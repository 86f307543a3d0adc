// Test support: runs `mpirun ... symopt ARGS` as a child with a time limit (a hang is a
// failure, not a stuck suite), and finds the process of one rank so that a test can kill it.
#pragma once

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace symopt::testing {

struct MpirunResult {
  int exit_code = -1;   // when mpirun exited
  int signal = 0;       // when a signal ended it
  bool timed_out = false;
  std::string output;   // stdout and stderr of every rank
};

class MpirunProcess {
 public:
  // mpirun [mpirun_options] -n RANKS symopt [arguments]
  MpirunProcess(int ranks, const std::vector<std::string>& mpirun_options, const std::vector<std::string>& arguments)
      : output_file_(std::filesystem::temp_directory_path() / ("symopt_mpirun_" + std::to_string(::getpid()) + "_" +
                                                               std::to_string(counter()++) + ".out")) {
    std::vector<std::string> words = {"mpirun", "--allow-run-as-root", "--oversubscribe"};
    words.insert(words.end(), mpirun_options.begin(), mpirun_options.end());
    words.insert(words.end(), {"-n", std::to_string(ranks), SYMOPT_BINARY});
    words.insert(words.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);  // its own process group: a time-out kills mpirun and every rank
      const int fd = ::open(output_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
      }
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~MpirunProcess() {
    if (pid_ > 0 && !finished_) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code error;
    std::filesystem::remove(output_file_, error);
  }
  MpirunProcess(const MpirunProcess&) = delete;
  MpirunProcess& operator=(const MpirunProcess&) = delete;

  bool running() {
    if (finished_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      finished_ = true;
      status_ = status;
      return false;
    }
    return true;
  }

  // The pid of the symopt process of `rank` (found by its Open MPI environment and an
  // argument unique to this test), once it runs.
  std::optional<pid_t> rank_pid(int rank, const std::string& unique_argument) const {
    const std::string rank_entry = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      const std::string command_line = read_file(entry.path() / "cmdline");
      if (command_line.rfind(SYMOPT_BINARY, 0) != 0 || command_line.find(unique_argument) == std::string::npos) continue;
      const std::string environment = read_file(entry.path() / "environ");
      std::istringstream variables(environment);
      for (std::string variable; std::getline(variables, variable, '\0');) {
        if (variable == rank_entry) return static_cast<pid_t>(std::stol(name));
      }
    }
    return std::nullopt;
  }

  MpirunResult wait(std::chrono::milliseconds limit) {
    MpirunResult result;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (running()) {
      if (std::chrono::steady_clock::now() > deadline && !result.timed_out) {
        result.timed_out = true;
        ::kill(-pid_, SIGKILL);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (WIFEXITED(status_)) result.exit_code = WEXITSTATUS(status_);
    if (WIFSIGNALED(status_)) result.signal = WTERMSIG(status_);
    result.output = read_file(output_file_);
    return result;
  }

 private:
  static std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static int& counter() {
    static int next = 0;
    return next;
  }
  std::filesystem::path output_file_;
  pid_t pid_ = -1;
  bool finished_ = false;
  int status_ = 0;
};

}  // namespace symopt::testing
