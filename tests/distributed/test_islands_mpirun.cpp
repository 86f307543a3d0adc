// `mpirun -n 2 symopt search` on this machine (loopback): the islands finish and rank 0
// writes a valid run directory whose hall of fame holds programs from rank 1; a rank
// killed mid-run (rank 0 included) makes the others finish rather than hang.
#include "common/atomic_file.h"
#include "distributed/mpirun_process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <sstream>

namespace symopt::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

// Two tiny islands migrating every second for a few seconds.
const char* const island_config = R"({
  "preset": "quick",
  "population_size": 16, "tournament_size": 4, "batch_size": 4,
  "suite": {"tasks": ["quadratic"], "rung": "tiny"},
  "hall_of_fame_size": 200,
  "checkpoint_seconds": 1, "progress_seconds": 0.5,
  "budget": {"wall_time": 6},
  "islands": {"migration_seconds": 1, "heartbeat_seconds": 0.2, "rank_timeout_seconds": 3}
})";

class DistributedIslands : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() /
                 ("symopt_islands_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(directory_);
    fs::create_directories(directory_);
    write_file_atomically(config_file(), island_config);
  }
  void TearDown() override {
    std::error_code error;
    fs::remove_all(directory_, error);
  }
  fs::path config_file() const { return directory_ / "island_config.json"; }
  fs::path run_directory() const { return directory_ / "run"; }
  std::vector<std::string> search_arguments() const {
    return {"search", "--config", config_file().string(), "--out", run_directory().string(), "--threads", "1"};
  }
  json read_json(const std::string& name) const { return json::parse(read_whole_file(run_directory() / name)); }
  json checkpoint_state() const { return read_json("checkpoint.json").at("payload").at("state"); }

  // What any run directory must hold, whatever happened to the ranks: parseable files,
  // a hall of fame `symopt show` reads, and a best program.
  void expect_valid_run_directory() const {
    for (const char* name : {"config.json", "checkpoint.json", "hall_of_fame.json"}) {
      EXPECT_NO_THROW(read_json(name)) << name;
    }
    EXPECT_GT(checkpoint_state().at("counters").at("evaluations").get<long>(), 0);
    EXPECT_FALSE(read_json("hall_of_fame.json").at("best").empty());
    EXPECT_TRUE(fs::exists(run_directory() / "best.opt"));
    std::istringstream log(read_whole_file(run_directory() / "log.jsonl"));
    int lines = 0;
    for (std::string line; std::getline(log, line); ++lines) EXPECT_TRUE(json::accept(line)) << line;
    EXPECT_GT(lines, 0);
    const std::string command = std::string(SYMOPT_BINARY) + " show " + run_directory().string() + " > /dev/null 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
  }

  // Waits until rank 0 has logged progress (the islands are searching), then kills `rank`.
  void kill_rank_when_searching(MpirunProcess& mpirun, int rank) const {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    std::optional<pid_t> pid;
    while (std::chrono::steady_clock::now() < deadline && mpirun.running()) {
      std::error_code error;
      if (!pid) pid = mpirun.rank_pid(rank, run_directory().string());
      if (pid && fs::exists(run_directory() / "log.jsonl", error) && fs::file_size(run_directory() / "log.jsonl", error) > 0) {
        std::this_thread::sleep_for(1s);  // a migration or two
        ASSERT_EQ(::kill(*pid, SIGKILL), 0);
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "rank " << rank << " never started searching";
  }

  fs::path directory_;
};

int count_migrants_from(const json& entries, int rank) {
  int count = 0;
  const std::string prefix = "migrant from rank " + std::to_string(rank) + " ";
  for (const json& e : entries) count += e.at("mutation").get<std::string>().rfind(prefix, 0) == 0 ? 1 : 0;
  return count;
}

TEST_F(DistributedIslands, TwoRanksWriteOneRunDirectoryWithProgramsFromBoth) {
  MpirunProcess mpirun(2, {}, search_arguments());
  const MpirunResult result = mpirun.wait(120s);
  ASSERT_FALSE(result.timed_out) << result.output;
  ASSERT_EQ(result.exit_code, 0) << result.output;
  expect_valid_run_directory();
  EXPECT_NE(result.output.find("islands: 2 ranks;"), std::string::npos) << result.output;

  const json hall = read_json("hall_of_fame.json");
  EXPECT_GT(count_migrants_from(hall.at("best"), 1), 0) << "rank 0's hall of fame holds rank 1's programs";
  const json islands = read_json("islands.json");
  EXPECT_EQ(islands.at("ranks"), 2);
  EXPECT_TRUE(islands.at("lost_ranks").empty());
  ASSERT_EQ(islands.at("per_rank").size(), 2u) << "rank 1's final report arrived";
  for (const json& rank : islands.at("per_rank")) {
    EXPECT_GE(rank.at("migrations").get<long>(), 2) << rank.dump();
    EXPECT_GT(rank.at("migrants_received").get<long>(), 0) << rank.dump();
    EXPECT_GT(rank.at("scores_imported").get<long>(), 0) << rank.dump();
    EXPECT_EQ(rank.at("send_errors"), 0);
  }
  // The checkpoint counts both islands' evaluations.
  const long total = checkpoint_state().at("counters").at("evaluations").get<long>();
  long rank_zero_own = 0;
  for (const json& record : checkpoint_state().at("lineage")) rank_zero_own = std::max(rank_zero_own, record.value("evaluation", 0L));
  EXPECT_GT(total, rank_zero_own);
}

TEST_F(DistributedIslands, AnEvaluationBudgetIsSplitOverTheRanksAndTheRunResumesOnOneProcess) {
  std::vector<std::string> arguments = search_arguments();
  arguments.insert(arguments.end(), {"--evaluations", "101"});
  MpirunProcess mpirun(2, {}, arguments);
  const MpirunResult result = mpirun.wait(120s);
  ASSERT_FALSE(result.timed_out) << result.output;
  ASSERT_EQ(result.exit_code, 0) << result.output;
  expect_valid_run_directory();
  EXPECT_EQ(checkpoint_state().at("counters").at("evaluations").get<long>(), 101);  // 51 + 50

  // The island run continues on one process from rank 0's checkpoint (all ranks' counts).
  const std::string resume = std::string(SYMOPT_BINARY) + " search --resume " + run_directory().string() +
                             " --evaluations 150 --quiet > /dev/null 2>&1";
  ASSERT_EQ(std::system(resume.c_str()), 0) << resume;
  EXPECT_EQ(checkpoint_state().at("counters").at("evaluations").get<long>(), 150);
}

TEST_F(DistributedIslands, AKilledRankIsGivenUpAndTheOthersFinish) {
  // --enable-recovery: mpirun lets the other ranks run on when one dies.
  MpirunProcess mpirun(2, {"--enable-recovery"}, search_arguments());
  kill_rank_when_searching(mpirun, 1);
  const MpirunResult result = mpirun.wait(120s);
  ASSERT_FALSE(result.timed_out) << result.output;
  EXPECT_NE(result.output.find("rank 1 silent for more than 3s: given up"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("search stopped (wall-time budget reached)"), std::string::npos) << result.output;
  expect_valid_run_directory();
  EXPECT_EQ(read_json("islands.json").at("lost_ranks"), json::array({1}));
}

TEST_F(DistributedIslands, WhenRankZeroDiesTheOthersEndAndItsLastCheckpointRemains) {
  MpirunProcess mpirun(2, {"--enable-recovery"}, search_arguments());
  kill_rank_when_searching(mpirun, 0);
  const MpirunResult result = mpirun.wait(120s);
  ASSERT_FALSE(result.timed_out) << result.output;
  EXPECT_NE(result.output.find("rank 1: note: rank 0 silent for more than 3s: ending this island"), std::string::npos)
      << result.output;
  expect_valid_run_directory();
}

TEST_F(DistributedIslands, WithoutRecoveryMpirunEndsTheJobAndTheRunDirectoryStaysValid) {
  // Plain mpirun ends the job when a rank dies (SIGTERM, then SIGKILL): nothing hangs, and
  // rank 0's atomically written checkpoint remains.
  MpirunProcess mpirun(2, {}, search_arguments());
  kill_rank_when_searching(mpirun, 1);
  const MpirunResult result = mpirun.wait(60s);
  ASSERT_FALSE(result.timed_out) << result.output;
  EXPECT_NE(result.exit_code, 0);
  expect_valid_run_directory();
}

TEST_F(DistributedIslands, OnARingRankZeroStillGetsEveryHallOfFame) {
  json config = json::parse(island_config);
  config["islands"]["topology"] = "ring";
  write_file_atomically(config_file(), config.dump());
  MpirunProcess mpirun(3, {}, search_arguments());
  const MpirunResult result = mpirun.wait(120s);
  ASSERT_FALSE(result.timed_out) << result.output;
  ASSERT_EQ(result.exit_code, 0) << result.output;
  expect_valid_run_directory();
  const json hall = read_json("hall_of_fame.json");
  EXPECT_GT(count_migrants_from(hall.at("best"), 1), 0) << "off the ring, rank 1 still reports to rank 0";
  EXPECT_GT(count_migrants_from(hall.at("best"), 2), 0);
  const json islands = read_json("islands.json");
  ASSERT_EQ(islands.at("per_rank").size(), 3u);
  for (const json& rank : islands.at("per_rank")) {
    // Only the ring predecessor sends migrants (rank 0 hears rank 2, rank 1 hears rank 0, ...).
    EXPECT_GT(rank.at("migrants_received").get<long>(), 0) << rank.dump();
  }
}

TEST_F(DistributedIslands, OneRankIsTheOrdinarySearch) {
  std::vector<std::string> arguments = search_arguments();
  arguments.insert(arguments.end(), {"--evaluations", "40"});
  MpirunProcess mpirun(1, {}, arguments);
  const MpirunResult result = mpirun.wait(120s);
  ASSERT_FALSE(result.timed_out) << result.output;
  ASSERT_EQ(result.exit_code, 0) << result.output;
  expect_valid_run_directory();
  EXPECT_FALSE(fs::exists(run_directory() / "islands.json"));
  EXPECT_EQ(checkpoint_state().at("counters").at("evaluations").get<long>(), 40);
}

}  // namespace
}  // namespace symopt::testing
