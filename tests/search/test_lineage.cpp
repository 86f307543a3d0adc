// The lineage's bound: pruning keeps the ancestors of the programs of interest, and past
// lineage_max_records drops the oldest of them (never the programs themselves), both on a
// hand-made chain and over a long search, where hall-of-fame chains must stay walkable.
#include "search_test_support.h"

#include "search/lineage.h"
#include "search/search_engine.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace symopt {
namespace {

LineageRecord record(long id, long parent) {
  LineageRecord r;
  r.id = id;
  r.parent_id = parent;
  r.generation = static_cast<int>(id);
  return r;
}

std::vector<long> ids_of(const std::vector<LineageRecord>& chain) {
  std::vector<long> ids;
  for (const LineageRecord& r : chain) ids.push_back(r.id);
  return ids;
}

TEST(Lineage, PruningPastTheBoundDropsTheOldestAncestorsButNeverTheKeptPrograms) {
  Lineage lineage;
  for (long id = 0; id < 10; ++id) lineage.add(record(id, id - 1));  // one chain 0 <- 1 <- ... <- 9
  lineage.add(record(10, 3));  // a dead branch
  Lineage unbounded = lineage;
  unbounded.keep_ancestors_of({9, 5});
  EXPECT_EQ(unbounded.size(), 10u) << "without a bound only the dead branch goes";
  EXPECT_EQ(ids_of(unbounded.chain(9)).front(), 0);

  lineage.keep_ancestors_of({9, 5}, 4);
  EXPECT_EQ(lineage.size(), 4u);
  EXPECT_EQ(ids_of(lineage.chain(9)), (std::vector<long>{7, 8, 9})) << "the chain starts at the oldest kept ancestor";
  EXPECT_EQ(ids_of(lineage.chain(5)), (std::vector<long>{5})) << "a kept program stays even when it is old";

  lineage.keep_ancestors_of({9, 5, 8}, 1);
  EXPECT_EQ(lineage.size(), 3u) << "the kept programs themselves are never dropped, even past the bound";
}

// A long run on the toy fitness, pruned at every batch (checkpoint_seconds 0): the lineage
// never holds more than the bound after a pruning, while the same run unbounded keeps far more.
TEST(Lineage, StaysBoundedOverALongSearchAndHallOfFameChainsStayWalkable) {
  constexpr long bound = 150;
  auto run = [&](long max_records, std::size_t& largest_after_pruning) {
    SearchConfig config = testing::small_search_config(23, 4000);
    config.checkpoint_seconds = 0;
    config.lineage_max_records = max_records;
    SearchHooks hooks;
    hooks.fitness = testing::toy_fitness();
    largest_after_pruning = 0;
    hooks.on_checkpoint = [&](const SearchState& state, const ProgressReport&) {
      largest_after_pruning = std::max(largest_after_pruning, state.lineage.size());
    };
    SearchState state = start_search(config, testing::adamw_warm_start(), hooks, "test");
    run_search(config, state, hooks);
    return state;
  };
  std::size_t unbounded_largest = 0, bounded_largest = 0;
  const SearchState unbounded = run(0, unbounded_largest);
  const SearchState bounded = run(bound, bounded_largest);
  EXPECT_GT(unbounded_largest, 2u * bound) << "the run is long enough for the bound to matter";
  EXPECT_LE(bounded_largest, static_cast<std::size_t>(bound));
  EXPECT_GT(bounded_largest, static_cast<std::size_t>(bound) / 2);
  // The bound changes what is remembered, not the search.
  EXPECT_EQ(bounded.hall_of_fame.ids(), unbounded.hall_of_fame.ids());
  for (const auto& entry : bounded.hall_of_fame.best()) {
    const std::vector<LineageRecord> chain = bounded.lineage.chain(entry.origin.id);
    ASSERT_FALSE(chain.empty()) << "show --lineage works for every hall-of-fame member";
    EXPECT_EQ(chain.back().id, entry.origin.id);
    for (std::size_t k = 1; k < chain.size(); ++k) EXPECT_EQ(chain[k].parent_id, chain[k - 1].id);
    const std::vector<LineageRecord> full = unbounded.lineage.chain(entry.origin.id);
    ASSERT_LE(chain.size(), full.size());
    EXPECT_EQ(ids_of(chain), ids_of(std::vector<LineageRecord>(full.end() - static_cast<long>(chain.size()), full.end())))
        << "the kept chain is the newest part of the full one";
  }
}

}  // namespace
}  // namespace symopt
