// The island driver's main thread, the only one that calls MPI (MPI_THREAD_FUNNELED). It
// never blocks: it polls, sends heartbeats, posts what the search thread (island_worker.h)
// queued, gives up on ranks that stay silent, and on rank 0 writes the run directory.
#include "distributed/island_search.h"

#include "common/atomic_file.h"
#include "distributed/island_plan.h"
#include "distributed/island_worker.h"

#include <fmt/format.h>

#include <chrono>
#include <limits>
#include <thread>

namespace symopt::distributed {
namespace {

// How often the main thread polls MPI; short against any heartbeat interval.
constexpr auto poll_interval = std::chrono::milliseconds(10);

StopReason reason_from_name(const std::string& name) {
  for (StopReason r : {StopReason::wall_time, StopReason::evaluations, StopReason::target_fitness}) {
    if (name == stop_reason_name(r)) return r;
  }
  return StopReason::interrupted;
}

// Ends and joins the search thread if it still runs when the main thread leaves early.
struct JoinOnExit {
  IslandWorker& island;
  std::thread& search;
  ~JoinOnExit() {
    if (!search.joinable()) return;
    island.stop(StopReason::interrupted);
    search.join();
  }
};

// The main thread's loop: MPI traffic, liveness, and the end of the run.
class Coordinator {
 public:
  Coordinator(const MpiWorld& world, const SearchConfig& config, const SearchHooks& hooks, const IslandOptions& options)
      : world_(world), config_(config), hooks_(hooks), options_(options),
        peers_(world.rank(), world.ranks(), config.islands.rank_timeout_seconds, clock_.seconds()) {}

  IslandOutcome run(const std::vector<WarmStartProgram>& warm_starts) {
    IslandWorker island(world_, config_, warm_starts, hooks_, options_, peers_);
    std::thread search([&] { island.search(); });
    // An exception here (a run directory that cannot be written) must not destroy a
    // running thread, which would terminate the process without a message.
    const JoinOnExit join_on_exit{island, search};
    bool joined = false;
    double search_ended_at = 0;
    for (;;) {
      const double now = clock_.seconds();
      receive(island, joined);
      if (hooks_.stop_requested && hooks_.stop_requested->load()) island.interrupt_engine();
      for (int lost : peers_.newly_lost(now)) {
        mailbox_.abandon(lost);
        if (lost == 0 && world_.rank() != 0) {
          // Only rank 0 records the run: without it this island's work would be lost.
          note(fmt::format("rank 0 silent for more than {}s: ending this island (rank 0's last checkpoint is the run)",
                           config_.islands.rank_timeout_seconds),
               true);
          island.stop(StopReason::interrupted);
        } else {
          note(fmt::format("rank {} silent for more than {}s: given up (its last reported counts are kept)", lost,
                           config_.islands.rank_timeout_seconds));
        }
      }
      if (island.done() && !joined) {
        search.join();
        joined = true;
        search_ended_at = now;
        island.rethrow_failure();
        island.absorb_inbox();  // deliveries that came after the last segment
        finish_search(island);
      }
      for (Outgoing& o : island.take_outbox()) send(o);
      mailbox_.complete_sends();
      // Heartbeats go on after this rank's search: the others must not give it up while
      // it waits for them (rank 0) or for its final report to leave (the others).
      if (now - last_heartbeat_ >= config_.islands.heartbeat_seconds) heartbeat(island);
      if (joined && world_.rank() == 0 && now - last_progress_ >= config_.progress_seconds) {
        last_progress_ = now;  // rank 0 waits for the others: keep the progress line going
        if (island.global_state(island.state()).counters.evaluations != written_evaluations_) write_run_directory(island);
      }
      if (joined && finished(now, search_ended_at)) break;
      std::this_thread::sleep_for(poll_interval);
    }
    IslandOutcome outcome;
    outcome.reason = island.reason();
    outcome.statistics = collect_statistics(island);
    if (world_.rank() == 0) {
      if (island.global_state(island.state()).counters.evaluations != written_evaluations_) write_run_directory(island);
      outcome.state = island.global_state(island.state());
      write_statistics(outcome.statistics);
    } else {
      outcome.state = std::move(island.state());
    }
    return outcome;
  }

 private:
  // Rank 0 notes what happens to the run; the others only what ends their own island
  // (else every rank would repeat each of rank 0's notes).
  void note(const std::string& text, bool from_every_rank = false) const {
    if (options_.note && (from_every_rank || world_.rank() == 0)) options_.note(text);
  }

  void receive(IslandWorker& island, bool joined) {
    for (Envelope& envelope : mailbox_.receive()) {
      IslandMessage message;
      try {
        message = decode_message(envelope.bytes);
      } catch (const std::runtime_error& error) {
        note(fmt::format("rank {}: {}", envelope.source, error.what()));
        peers_.heard(envelope.source, clock_.seconds());
        continue;
      }
      message.status.rank = envelope.source;
      peers_.update(message.status, clock_.seconds());
      switch (message.kind) {
        case MessageKind::heartbeat: break;
        case MessageKind::stop: island.stop(reason_from_name(message.status.stop_reason)); break;
        case MessageKind::migration:
        case MessageKind::final: {
          island.shared().import_scores(message.scores);
          if (message.kind == MessageKind::final) {
            final_reports_.push_back(message.statistics);
            final_reports_.back()["rank"] = envelope.source;
            // A target reached anywhere ends the run everywhere.
            if (world_.rank() == 0 && reason_from_name(message.status.stop_reason) == StopReason::target_fitness) {
              island.stop(StopReason::target_fitness);
              broadcast_stop(StopReason::target_fitness);
            }
          }
          if (joined) {
            island.absorb(message);  // rank 0 after its own search: into the final state
            if (world_.rank() == 0) write_run_directory(island);
          } else {
            island.deliver(std::move(message));
          }
          break;
        }
      }
    }
  }

  void send(const Outgoing& outgoing) {
    for (int target : outgoing.targets) {
      // Finished ranks stop listening, except rank 0: it collects until every rank is done.
      if (target == world_.rank() || peers_.lost(target) || (target != 0 && peers_.finished(target))) continue;
      mailbox_.send(target, outgoing.bytes);
    }
  }

  void heartbeat(IslandWorker& island) {
    last_heartbeat_ = clock_.seconds();
    IslandMessage message;
    message.kind = MessageKind::heartbeat;
    message.status = island.status();
    const std::vector<std::uint8_t> bytes = encode_message(message);
    heartbeat_bytes_ = static_cast<long>(bytes.size());
    // A star: rank 0 hears everyone (progress, liveness), everyone hears rank 0.
    Outgoing outgoing{{}, bytes};
    if (world_.rank() == 0) {
      for (int r = 1; r < world_.ranks(); ++r) outgoing.targets.push_back(r);
    } else {
      outgoing.targets.push_back(0);
    }
    send(outgoing);
  }

  void broadcast_stop(StopReason reason) {
    if (stop_broadcast_) return;
    stop_broadcast_ = true;
    IslandMessage message;
    message.kind = MessageKind::stop;
    message.status.rank = world_.rank();
    message.status.stop_reason = stop_reason_name(reason);
    Outgoing outgoing{{}, encode_message(message)};
    for (int r = 0; r < world_.ranks(); ++r) outgoing.targets.push_back(r);
    send(outgoing);
  }

  // Right after this rank's own search: the final report (other ranks) or a first complete
  // run directory (rank 0), which stays valid whatever happens to the others.
  void finish_search(IslandWorker& island) {
    island.post(MessageKind::final, island_statistics_to_json(collect_statistics(island)));
    if (world_.rank() != 0) return;
    write_run_directory(island);
    if (island.reason() == StopReason::target_fitness || island.reason() == StopReason::interrupted) {
      broadcast_stop(island.reason());
    }
  }

  bool finished(double now, double search_ended_at) {
    if (world_.rank() == 0) return peers_.all_others_done();
    // The final report must leave before MPI_Finalize; a lost rank 0 cannot take it.
    if (mailbox_.pending_sends_to(0) == 0 || peers_.lost(0)) return true;
    return now - search_ended_at > config_.islands.rank_timeout_seconds;
  }

  IslandStatistics collect_statistics(const IslandWorker& island) const {
    IslandStatistics statistics = island.statistics();
    statistics.ranks = world_.ranks();
    statistics.lost_ranks = peers_.lost_ranks();
    statistics.traffic = mailbox_.traffic();
    statistics.heartbeat_bytes = heartbeat_bytes_;
    return statistics;
  }

  void write_run_directory(IslandWorker& island) {
    const SearchState global = island.global_state(island.state());
    ProgressReport own = make_progress_report(island.state());
    // The first write, right after the search, shows its last measured rate; later ones
    // (waiting for the others) only theirs.
    own.evaluations_per_second = written_evaluations_ < 0 ? island.status().evaluations_per_second : 0;
    const ProgressReport report = island.global_report(own);
    written_evaluations_ = global.counters.evaluations;
    if (hooks_.on_progress) hooks_.on_progress(report);
    if (hooks_.on_checkpoint) hooks_.on_checkpoint(global, report);
  }

  void write_statistics(const IslandStatistics& own) const {
    if (options_.statistics_file.empty()) return;
    nlohmann::json per_rank = nlohmann::json::array();
    nlohmann::json mine = island_statistics_to_json(own);
    mine["rank"] = 0;
    per_rank.push_back(mine);
    for (const nlohmann::json& report : final_reports_) per_rank.push_back(report);
    const nlohmann::json document = {{"ranks", world_.ranks()},
                                     {"lost_ranks", own.lost_ranks},
                                     {"migration_seconds", config_.islands.migration_seconds},
                                     {"topology", config_.islands.ring ? "ring" : "all"},
                                     {"per_rank", per_rank}};
    write_file_atomically(options_.statistics_file, document.dump(2) + "\n");
  }

  const MpiWorld& world_;
  const SearchConfig& config_;
  const SearchHooks& hooks_;
  const IslandOptions& options_;
  Stopwatch clock_;
  PeerTable peers_;
  Mailbox mailbox_;
  double last_heartbeat_ = -std::numeric_limits<double>::infinity();
  double last_progress_ = 0;
  long heartbeat_bytes_ = 0;
  long written_evaluations_ = -1;
  bool stop_broadcast_ = false;
  std::vector<nlohmann::json> final_reports_;
};

}  // namespace

nlohmann::json island_statistics_to_json(const IslandStatistics& s) {
  const TrafficCounts& t = s.traffic;
  return {{"ranks", s.ranks},
          {"lost_ranks", s.lost_ranks},
          {"messages_sent", t.messages_sent},
          {"messages_received", t.messages_received},
          {"bytes_sent", t.bytes_sent},
          {"bytes_received", t.bytes_received},
          {"send_errors", t.send_errors},
          {"receive_errors", t.receive_errors},
          {"migrations", s.migrations},
          {"migration_bytes", s.migration_bytes},
          {"largest_migration_bytes", s.largest_migration_bytes},
          {"heartbeat_bytes", s.heartbeat_bytes},
          {"migrants_received", s.migrants_received},
          {"hall_of_fame_received", s.hall_of_fame_received},
          {"scores_imported", s.scores_imported},
          {"scores_exported", s.scores_exported},
          {"scores_forgotten", s.scores_forgotten},
          {"shared_hits", s.shared_hits}};
}

IslandOutcome run_islands(const MpiWorld& world, const SearchConfig& config,
                          const std::vector<WarmStartProgram>& warm_starts, const SearchHooks& hooks,
                          const IslandOptions& options) {
  // Every rank starts its clock together: liveness is judged from here. A rank that is not
  // ready in time is left behind (and given up if it stays silent).
  (void)world.barrier(startup_timeout_seconds(config.islands));
  Coordinator coordinator(world, config, hooks, options);
  return coordinator.run(warm_starts);
}

}  // namespace symopt::distributed
