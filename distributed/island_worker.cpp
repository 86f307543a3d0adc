// The search side of an island.
#include "distributed/island_worker.h"

#include "distributed/island_plan.h"

#include <algorithm>

namespace symopt::distributed {
namespace {

double best_fitness_of(const SearchState& state) {
  return state.hall_of_fame.best().empty() ? -1 : state.hall_of_fame.best().front().origin.fitness;
}

}  // namespace

IslandWorker::IslandWorker(const MpiWorld& world, const SearchConfig& config,
                           const std::vector<WarmStartProgram>& warm_starts, const SearchHooks& hooks,
                           const IslandOptions& options, PeerTable& peers)
    : world_(world), config_(config), island_config_(island_config(config, world.rank(), world.ranks())),
      warm_starts_(warm_starts), user_hooks_(hooks), options_(options), peers_(peers),
      shared_(config.suite.fitness_cache_capacity) {
  hooks_ = hooks;  // keeps any hook this driver does not replace
  hooks_.fitness = shared_.wrap(hooks.fitness);
  hooks_.batch_fitness = shared_.wrap(hooks.batch_fitness);
  hooks_.stop_requested = &engine_stop_;
  hooks_.on_progress = [this](const ProgressReport& report) { on_progress(report); };
  hooks_.on_checkpoint = [this](const SearchState& state, const ProgressReport& report) { on_checkpoint(state, report); };
}

void IslandWorker::search() {
  try {
    state_ = start_search(island_config_, warm_starts_, hooks_, options_.run_id);
    publish_status(make_progress_report(state_), false);
    reason_ = evolve();
  } catch (...) {
    failure_ = std::current_exception();
  }
  done_ = true;
}

void IslandWorker::rethrow_failure() const {
  if (failure_) std::rethrow_exception(failure_);
}

StopReason IslandWorker::evolve() {
  const double interval = config_.islands.migration_seconds;
  const double wall = config_.budget.wall_seconds;
  double next_migration = state_.elapsed_seconds + interval;
  for (;;) {
    SearchConfig segment = island_config_;
    segment.budget.wall_seconds = wall > 0 ? std::min(wall, next_migration) : next_migration;
    const StopReason reason = run_search(segment, state_, hooks_);
    // The asynchronous mode draws from (seed, session, candidate); a new session per
    // segment keeps segments from repeating each other's random numbers.
    if (island_config_.mode == ParallelMode::asynchronous) ++state_.session;
    engine_stop_ = false;  // before draining, so that a later delivery ends the next segment
    absorb_inbox();
    publish_status(make_progress_report(state_), false);
    if (user_stop()) return StopReason::interrupted;
    if (const std::optional<StopReason> stop = peer_stop()) return *stop;
    if (reason == StopReason::evaluations || reason == StopReason::target_fitness) return reason;
    if (config_.budget.target_fitness && best_fitness_of(state_) >= *config_.budget.target_fitness) {
      return StopReason::target_fitness;  // a migrant reached it
    }
    if (wall > 0 && state_.elapsed_seconds >= wall) return StopReason::wall_time;
    if (state_.elapsed_seconds >= next_migration) {
      post(MessageKind::migration);
      while (next_migration <= state_.elapsed_seconds) next_migration += interval;
    }
  }
}

bool IslandWorker::user_stop() const { return user_hooks_.stop_requested && user_hooks_.stop_requested->load(); }

std::optional<StopReason> IslandWorker::peer_stop() const {
  const std::lock_guard lock(mutex_);
  return peer_stop_;
}

void IslandWorker::deliver(IslandMessage message) {
  {
    const std::lock_guard lock(mutex_);
    inbox_.push_back(std::move(message));
  }
  engine_stop_ = true;  // ends the segment after the batch in hand
}

void IslandWorker::stop(StopReason reason) {
  {
    const std::lock_guard lock(mutex_);
    if (!peer_stop_) peer_stop_ = reason;
  }
  engine_stop_ = true;
}

std::vector<Outgoing> IslandWorker::take_outbox() {
  const std::lock_guard lock(mutex_);
  std::vector<Outgoing> out(std::make_move_iterator(outbox_.begin()), std::make_move_iterator(outbox_.end()));
  outbox_.clear();
  return out;
}

IslandStatus IslandWorker::status() const {
  const std::lock_guard lock(mutex_);
  return status_;
}

void IslandWorker::absorb(const IslandMessage& message) {
  const AbsorbCounts counts =
      absorb_message(island_config_, state_, message, exported_, user_hooks_.on_hall_of_fame_entry);
  const std::lock_guard lock(mutex_);
  statistics_.migrants_received += counts.migrants;
  statistics_.hall_of_fame_received += counts.hall_of_fame;
}

void IslandWorker::absorb_inbox() {
  std::deque<IslandMessage> inbox;
  {
    const std::lock_guard lock(mutex_);
    inbox.swap(inbox_);
  }
  for (const IslandMessage& message : inbox) absorb(message);
}

void IslandWorker::post(MessageKind kind, const nlohmann::json& statistics) {
  IslandMessage message;
  message.kind = kind;
  message.migrants = choose_migrants(state_, config_.islands.migrants);
  message.hall_of_fame = exported_.take_new(state_.hall_of_fame);
  message.scores = shared_.take_fresh();
  message.statistics = statistics;
  const int rank = world_.rank();
  if (kind == MessageKind::final) {
    publish_status(make_progress_report(state_), true);
    const std::lock_guard lock(mutex_);
    status_.stop_reason = stop_reason_name(reason_);
    message.status = status_;
    if (rank != 0) outbox_.push_back({{0}, encode_message(message)});
    return;
  }
  message.status = status();
  const std::vector<int> targets = migration_targets(rank, world_.ranks(), config_.islands.ring);
  Outgoing migration{targets, encode_message(message)};
  std::optional<Outgoing> entries_for_root;
  // Rank 0 keeps the global hall of fame: off the ring it still gets the entries.
  if (rank != 0 && std::find(targets.begin(), targets.end(), 0) == targets.end()) {
    IslandMessage entries_only = message;
    entries_only.migrants.clear();
    entries_only.scores.clear();
    entries_for_root = Outgoing{{0}, encode_message(entries_only)};
  }
  const std::lock_guard lock(mutex_);
  ++statistics_.migrations;
  const long bytes = static_cast<long>(migration.bytes.size());
  statistics_.migration_bytes += bytes;
  statistics_.largest_migration_bytes = std::max(statistics_.largest_migration_bytes, bytes);
  outbox_.push_back(std::move(migration));
  if (entries_for_root) outbox_.push_back(std::move(*entries_for_root));
}

SearchState IslandWorker::global_state(const SearchState& state) const {
  SearchState global = state;
  global.counters += peers_.others_counters();
  return global;
}

ProgressReport IslandWorker::global_report(const ProgressReport& own) const {
  ProgressReport report = own;
  report.counters += peers_.others_counters();
  report.evaluations_per_second = own.evaluations_per_second + peers_.others_rate();
  const SearchCounters& c = report.counters;
  report.rejected_share = c.candidates > 0 ? static_cast<double>(c.rejected) / static_cast<double>(c.candidates) : 0;
  report.cached_share = c.evaluations > 0 ? static_cast<double>(c.cached) / static_cast<double>(c.evaluations) : 0;
  return report;
}

IslandStatistics IslandWorker::statistics() const {
  const std::lock_guard lock(mutex_);
  IslandStatistics s = statistics_;
  s.scores_imported = shared_.imported();
  s.scores_exported = shared_.exported();
  s.scores_forgotten = shared_.forgotten();
  s.shared_hits = shared_.imported_hits();
  return s;
}

void IslandWorker::on_progress(const ProgressReport& report) {
  publish_status(report, false);
  if (world_.rank() != 0 || !user_hooks_.on_progress) return;
  if (since_progress_.seconds() < config_.progress_seconds) return;  // segment ends force one
  since_progress_ = Stopwatch();
  user_hooks_.on_progress(global_report(report));
}

void IslandWorker::on_checkpoint(const SearchState& state, const ProgressReport& report) {
  if (world_.rank() != 0 || !user_hooks_.on_checkpoint) return;
  if (since_checkpoint_.seconds() < config_.checkpoint_seconds) return;  // segment ends force one
  since_checkpoint_ = Stopwatch();
  user_hooks_.on_checkpoint(global_state(state), global_report(report));
}

void IslandWorker::publish_status(const ProgressReport& report, bool finished) {
  const std::lock_guard lock(mutex_);
  status_.rank = world_.rank();
  status_.elapsed_seconds = report.elapsed_seconds;
  status_.counters = report.counters;
  // Reports made between measurements carry no rate: the last measured one stands.
  if (report.evaluations_per_second > 0) status_.evaluations_per_second = report.evaluations_per_second;
  status_.best_fitness = report.best_fitness;
  status_.finished = finished;
}

}  // namespace symopt::distributed
