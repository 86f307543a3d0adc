// Everything a search run needs to continue: the population, counters, the position of the
// random streams, hall of fame and lineage. Its JSON form is the checkpoint's payload.
#pragma once

#include "dsl/program.h"
#include "search/hall_of_fame.h"
#include "search/lineage.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace symopt {

struct Individual {
  long id = -1;            // lineage id; copies made by a restart share their original's id
  Program program;         // as mutated: may hold dead code (neutral drift), under the cap
  std::uint64_t hash = 0;  // of the analyzed program
  double fitness = 0;
  int states = 0;
  int ops = 0;
  int generation = 0;
};

struct WarmStart {
  long id = -1;
  std::string source;      // the file it was read from
  Program program;
};

struct SearchCounters {
  long candidates = 0;     // children proposed
  long rejected = 0;       // of them, refused by the analyzer (or no mutation applied)
  long evaluations = 0;    // given a fitness: candidates - rejected, plus the warm starts
  long cached = 0;         // of the evaluations, answered by a cache instead of training
  long restarts = 0;
  long stopped_at_hurdle = 0;  // of the trained evaluations, those stopped early at a hurdle
  long turned_away = 0;        // of the evaluations, duplicates of a member kept out of the population
  // Sums the counts of several islands (distributed/).
  SearchCounters& operator+=(const SearchCounters& other) {
    candidates += other.candidates;
    rejected += other.rejected;
    evaluations += other.evaluations;
    cached += other.cached;
    restarts += other.restarts;
    stopped_at_hurdle += other.stopped_at_hurdle;
    turned_away += other.turned_away;
    return *this;
  }
};

struct SearchState {
  std::string run_id;
  SearchCounters counters;
  double elapsed_seconds = 0;  // search time over all sessions (until the last update)
  // The random streams are counter based: child i of batch b draws from (seed, b, i), so
  // the batch counter is the whole generator state in deterministic mode. The asynchronous
  // mode draws from (seed, session, candidate number).
  long next_batch = 0;
  int session = 0;             // 0 for the first run, +1 per resume
  long next_id = 0;
  long next_restart_at = 0;    // evaluations; 0: no restarts
  std::vector<WarmStart> warm_starts;
  std::deque<Individual> population;  // oldest first
  HallOfFame hall_of_fame;
  Lineage lineage;
};

nlohmann::json search_counters_to_json(const SearchCounters& counters);  // as in checkpoints and hall_of_fame.json
nlohmann::json search_state_to_json(const SearchState& state);
// Parses and re-analyzes every program. Throws std::runtime_error naming what is wrong.
SearchState search_state_from_json(const nlohmann::json& json);

}  // namespace symopt
