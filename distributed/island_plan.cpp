// Per-rank seeds, budget shares and migration targets.
#include "distributed/island_plan.h"

#include "search/random.h"

#include <algorithm>

namespace symopt::distributed {

std::uint64_t island_seed(std::uint64_t seed, int rank) {
  if (rank == 0) return seed;
  // Two rounds of mixing keep nearby (seed, rank) pairs far apart.
  return mix64(mix64(seed) ^ mix64(0x15'1a'4d00ULL + static_cast<std::uint64_t>(rank)));
}

long evaluation_share(long evaluations, int rank, int ranks) {
  if (evaluations <= 0) return 0;
  const long share = evaluations / ranks + (rank < evaluations % ranks ? 1 : 0);
  return std::max(share, 1L);
}

SearchConfig island_config(const SearchConfig& config, int rank, int ranks) {
  SearchConfig island = config;
  island.seed = island_seed(config.seed, rank);
  island.budget.evaluations = evaluation_share(config.budget.evaluations, rank, ranks);
  return island;
}

double startup_timeout_seconds(const IslandSettings& islands) { return 10 * islands.rank_timeout_seconds; }

std::vector<int> migration_targets(int rank, int ranks, bool ring) {
  std::vector<int> targets;
  if (ranks < 2) return targets;
  if (ring) {
    targets.push_back((rank + 1) % ranks);
    return targets;
  }
  for (int r = 0; r < ranks; ++r) {
    if (r != rank) targets.push_back(r);
  }
  return targets;
}

}  // namespace symopt::distributed
