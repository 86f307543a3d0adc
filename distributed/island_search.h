// The island model: every MPI rank evolves its own population with the ordinary search
// engine; every migration interval it sends its best programs, its new hall-of-fame
// entries and the scores of the structures it evaluated to the other islands. Rank 0
// keeps the global hall of fame, the run directory and the progress line.
//
// Failure handling: a communication thread exchanges heartbeats and messages with
// non-blocking MPI calls only (MPI_ERRORS_RETURN); a rank silent for longer than
// islands.rank_timeout_seconds is given up, so a rank that dies never hangs the others.
// Rank 0 writes the run directory as soon as its own search ends and again as the others'
// final reports arrive; if rank 0 itself dies, its last checkpoint remains.
#pragma once

#include "distributed/mailbox.h"
#include "distributed/mpi_world.h"
#include "search/search_engine.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace symopt::distributed {

struct IslandStatistics {
  int ranks = 1;
  std::vector<int> lost_ranks;        // given up as dead
  TrafficCounts traffic;              // this rank's
  long migrations = 0;                // migration messages made (each sent to every target)
  long migration_bytes = 0;           // their encoded sizes, summed (one copy each)
  long largest_migration_bytes = 0;
  long heartbeat_bytes = 0;           // size of the last heartbeat
  long migrants_received = 0;         // joined this rank's population
  long hall_of_fame_received = 0;     // entered this rank's hall of fame
  long scores_imported = 0;           // other islands' scores filed here
  long scores_exported = 0;           // scores this rank sent
  long scores_forgotten = 0;          // dropped to bound memory (see shared_scores.h)
  long shared_hits = 0;               // evaluations answered by imported scores
};

nlohmann::json island_statistics_to_json(const IslandStatistics& statistics);

struct IslandOptions {
  std::string run_id;
  // Rank 0: where islands.json (the statistics of every rank that reported) is written.
  std::filesystem::path statistics_file;
  // Notes for the user: on rank 0 what happens to the run (a rank given up, ...), on the
  // others only why their island ended early (rank 0 given up).
  std::function<void(const std::string&)> note;
};

struct IslandOutcome {
  // This island's final state. On rank 0 the hall of fame is global and the counters sum
  // every rank's (the form written to the checkpoint).
  SearchState state;
  StopReason reason = StopReason::interrupted;
  IslandStatistics statistics;
};

// Runs this rank's island until the budget (wall time for every rank; evaluations split
// over the ranks; a target fitness reached anywhere) or a stop request. `hooks` supplies
// the fitness functions and stop flag; on rank 0 its on_progress and on_checkpoint get
// reports and states with the counters of every rank.
IslandOutcome run_islands(const MpiWorld& world, const SearchConfig& config,
                          const std::vector<WarmStartProgram>& warm_starts, const SearchHooks& hooks,
                          const IslandOptions& options);

}  // namespace symopt::distributed
