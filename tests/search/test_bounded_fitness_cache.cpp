// A search whose fitness cache is far too small for it (most entries are evicted and their
// programs trained again) ends exactly as the same search with an unbounded cache, at one
// and at two threads: eviction costs training time, never a different result.
#include "evaluator/fake_quadratic_task.h"
#include "search_test_support.h"

#include "search/search_engine.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace symopt {
namespace {

struct BoundedRun {
  std::string outcome;  // population, hall of fame and counters as text
  CacheStatistics cache;
};

BoundedRun run_with_cache(std::size_t capacity, int threads) {
  SearchConfig config = testing::small_search_config(11, 400);
  config.threads = threads;
  config.suite.tasks = {"fake-quadratic"};
  config.suite.adamw_sweep.points = 7;
  config.suite.adamw_sweep.max_extensions = 0;
  config.suite.fitness_cache_capacity = capacity;
  Evaluator evaluator(config.suite, {testing::make_fake_task(testing::fake_config(20, 0.02, 0.1))});
  SearchHooks hooks;
  hooks.fitness = [&](const AnalyzedProgram& program) { return evaluator.evaluate(program); };
  hooks.batch_fitness = [&](const std::vector<AnalyzedProgram>& programs) { return evaluator.evaluate_all(programs); };
  hooks.cache_statistics = [&] { return evaluator.cache_statistics(); };
  SearchState state = start_search(config, testing::adamw_warm_start(), hooks, "bounded-cache");
  run_search(config, state, hooks);
  const SearchState& s = state;
  std::string text = fmt::format("{} {} {} {}\n", s.counters.candidates, s.counters.rejected, s.counters.evaluations,
                                 s.next_id);
  for (const Individual& i : s.population) text += fmt::format("{} {:016x} {:.17g}\n", i.id, i.hash, i.fitness);
  for (const auto& e : s.hall_of_fame.best()) {
    text += fmt::format("best {} {:.17g} {}\n", e.origin.id, e.origin.fitness, e.program);
  }
  return {text, evaluator.cache_statistics()};
}

TEST(BoundedFitnessCache, SearchEndsAsWithAnUnboundedCacheAtAnyThreadCount) {
  const BoundedRun unbounded = run_with_cache(0, 2);
  const BoundedRun bounded_one = run_with_cache(8, 1);
  const BoundedRun bounded_two = run_with_cache(8, 2);
  EXPECT_EQ(unbounded.cache.evictions, 0);
  // The bound did bite: entries were evicted and programs trained again.
  EXPECT_GT(bounded_two.cache.evictions, 50);
  EXPECT_GT(bounded_two.cache.evaluations, unbounded.cache.evaluations);
  EXPECT_EQ(bounded_one.outcome, unbounded.outcome);
  EXPECT_EQ(bounded_two.outcome, unbounded.outcome);
  EXPECT_EQ(bounded_two.cache.evaluations, bounded_one.cache.evaluations);
}

}  // namespace
}  // namespace symopt
