// Moving programs between islands: choosing an island's migrants and new hall-of-fame
// entries, and taking another island's into this island's state (population, hall of
// fame, lineage).
#pragma once

#include "distributed/island_message.h"
#include "search/search_config.h"
#include "search/search_state.h"

#include <cstdint>
#include <functional>
#include <unordered_set>
#include <vector>

namespace symopt::distributed {

// The `count` fittest distinct structures of the population, programs as evolved (dead
// code kept, which is the raw material of neutral drift), without task scores.
std::vector<HallOfFameEntry> choose_migrants(const SearchState& state, int count);

// Remembers which hall-of-fame structures this island has already sent or received, so
// that every entry travels once.
class HallOfFameExport {
 public:
  std::vector<HallOfFameEntry> take_new(const HallOfFame& hall);
  void mark_known(std::uint64_t hash) { known_.insert(hash); }

 private:
  std::unordered_set<std::uint64_t> known_;
};

struct AbsorbCounts {
  int migrants = 0;            // joined the population (not turned away as duplicates)
  int hall_of_fame = 0;        // entered the hall of fame
  int unreadable = 0;          // programs that did not parse (a version mismatch between ranks)
};

// Takes a migration (or final report) from rank `from`: its migrants join the population
// as its newest members (the oldest leave), its hall-of-fame entries are filed in the
// hall of fame. Both get fresh local ids and lineage records that name their origin
// ("migrant from rank 1 (id 57)"). `on_enter` sees every entry that enters the hall of fame.
AbsorbCounts absorb_message(const SearchConfig& config, SearchState& state, const IslandMessage& message,
                            HallOfFameExport& known,
                            const std::function<void(const HallOfFameEntry&)>& on_enter = {});

}  // namespace symopt::distributed
