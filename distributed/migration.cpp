// Migrants out and in.
#include "distributed/migration.h"

#include "dsl/dsl_error.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "search/search_engine.h"

#include <fmt/format.h>

#include <algorithm>

namespace symopt::distributed {

std::vector<HallOfFameEntry> choose_migrants(const SearchState& state, int count) {
  std::vector<const Individual*> ranked;
  for (const Individual& i : state.population) ranked.push_back(&i);
  // Stable: among equals the older individual goes first, as tournaments favour nobody.
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const Individual* a, const Individual* b) { return a->fitness > b->fitness; });
  std::vector<HallOfFameEntry> migrants;
  std::unordered_set<std::uint64_t> taken;
  for (const Individual* i : ranked) {
    if (static_cast<int>(migrants.size()) >= count) break;
    if (!taken.insert(i->hash).second) continue;
    HallOfFameEntry e;
    e.origin.id = i->id;
    e.origin.generation = i->generation;
    e.origin.hash = i->hash;
    e.origin.fitness = i->fitness;
    e.origin.states = i->states;
    e.origin.ops = i->ops;
    if (const LineageRecord* record = state.lineage.find(i->id)) {
      e.origin.parent_id = record->parent_id;
      e.origin.mutation = record->mutation;
      e.origin.evaluation = record->evaluation;
    }
    e.program = print_program(i->program);
    e.found_at_seconds = state.elapsed_seconds;
    migrants.push_back(std::move(e));
  }
  return migrants;
}

std::vector<HallOfFameEntry> HallOfFameExport::take_new(const HallOfFame& hall) {
  std::vector<HallOfFameEntry> fresh;
  auto take = [&](const std::vector<HallOfFameEntry>& entries) {
    for (const HallOfFameEntry& e : entries) {
      if (known_.insert(e.origin.hash).second) fresh.push_back(e);
    }
  };
  take(hall.best());
  take(hall.pareto_front());
  return fresh;
}

namespace {

LineageRecord local_record(SearchState& state, const LineageRecord& origin, std::string mutation) {
  LineageRecord record = origin;
  record.id = state.next_id++;
  record.parent_id = -1;  // the ancestry lives on the other island
  record.mutation = std::move(mutation);
  record.evaluation = state.counters.evaluations;
  return record;
}

}  // namespace

AbsorbCounts absorb_message(const SearchConfig& config, SearchState& state, const IslandMessage& message,
                            HallOfFameExport& known, const std::function<void(const HallOfFameEntry&)>& on_enter) {
  AbsorbCounts counts;
  const int from = message.status.rank;
  for (const HallOfFameEntry& migrant : message.migrants) {
    Program program;
    try {
      program = parse_program(migrant.program);
    } catch (const DslError&) {
      ++counts.unreadable;
      continue;
    }
    LineageRecord record = local_record(state, migrant.origin, fmt::format("migrant from rank {} (id {})", from, migrant.origin.id));
    const bool joined = join_population(
        config, state, {record.id, std::move(program), record.hash, record.fitness, record.states, record.ops, record.generation});
    state.lineage.add(record);
    if (joined) ++counts.migrants;
  }
  for (const HallOfFameEntry& entry : message.hall_of_fame) {
    known.mark_known(entry.origin.hash);
    const LineageRecord& o = entry.origin;
    if (!state.hall_of_fame.would_enter(o.hash, o.fitness, o.states, o.ops)) continue;
    try {
      (void)parse_program(entry.program);
    } catch (const DslError&) {
      ++counts.unreadable;
      continue;
    }
    HallOfFameEntry local = entry;
    local.origin = local_record(state, o, fmt::format("migrant from rank {} (id {}, {})", from, o.id, o.mutation));
    state.lineage.add(local.origin);
    if (on_enter) on_enter(local);
    state.hall_of_fame.consider(local);
    ++counts.hall_of_fame;
  }
  return counts;
}

}  // namespace symopt::distributed
