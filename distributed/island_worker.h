// One rank's island, on the search side: its state and the search thread's loop, which
// runs the engine in segments (a segment ends at the next migration, or early when
// messages wait to be absorbed) and changes the state only between segments. The main
// thread hands it messages and takes what it queued to send; everything they share is
// behind one mutex or atomic. No MPI here.
#pragma once

#include "distributed/island_message.h"
#include "distributed/island_search.h"
#include "distributed/migration.h"
#include "distributed/peer_table.h"
#include "distributed/shared_scores.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>

namespace symopt::distributed {

class Stopwatch {
 public:
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

struct Outgoing {
  std::vector<int> targets;
  std::vector<std::uint8_t> bytes;
};

class IslandWorker {
 public:
  IslandWorker(const MpiWorld& world, const SearchConfig& config, const std::vector<WarmStartProgram>& warm_starts,
               const SearchHooks& hooks, const IslandOptions& options, PeerTable& peers);

  // The search thread: start, evolve until a budget or a stop, remember the reason.
  void search();
  bool done() const { return done_; }
  void rethrow_failure() const;

  // Main thread, during the search.
  void deliver(IslandMessage message);  // to absorb at the next segment end (which it hastens)
  void stop(StopReason reason);         // a stop for the whole run, from another rank
  void interrupt_engine() { engine_stop_ = true; }
  std::vector<Outgoing> take_outbox();
  IslandStatus status() const;
  SharedScores& shared() { return shared_; }

  // Search thread, or main thread once the search has ended (it then owns the state).
  void absorb(const IslandMessage& message);
  void absorb_inbox();
  // A migration (to the migration targets) or the final report (to rank 0): the best
  // programs, new hall-of-fame entries and fresh scores.
  void post(MessageKind kind, const nlohmann::json& statistics = nullptr);
  SearchState& state() { return state_; }
  StopReason reason() const { return reason_; }

  // Rank 0's view: this island's counters plus every other rank's latest.
  SearchState global_state(const SearchState& state) const;
  ProgressReport global_report(const ProgressReport& own) const;
  IslandStatistics statistics() const;

 private:
  StopReason evolve();
  bool user_stop() const;
  std::optional<StopReason> peer_stop() const;
  void on_progress(const ProgressReport& report);
  void on_checkpoint(const SearchState& state, const ProgressReport& report);
  void publish_status(const ProgressReport& report, bool finished);

  const MpiWorld& world_;
  const SearchConfig& config_;
  const SearchConfig island_config_;  // this rank's seed and budget share
  const std::vector<WarmStartProgram>& warm_starts_;
  const SearchHooks& user_hooks_;
  const IslandOptions& options_;
  PeerTable& peers_;
  SearchHooks hooks_;                 // the engine's: shared scores, segment stops, rank-0 views
  SharedScores shared_;
  HallOfFameExport exported_;
  SearchState state_;
  StopReason reason_ = StopReason::interrupted;
  std::exception_ptr failure_;
  std::atomic<bool> engine_stop_{false};
  std::atomic<bool> done_{false};
  Stopwatch since_progress_, since_checkpoint_;

  mutable std::mutex mutex_;
  std::deque<IslandMessage> inbox_;
  std::deque<Outgoing> outbox_;
  IslandStatus status_;
  std::optional<StopReason> peer_stop_;
  IslandStatistics statistics_;
};

}  // namespace symopt::distributed
