// What differs between the islands of one run: each rank's seed and share of the
// evaluation budget, and whom it sends its migrants to.
#pragma once

#include "search/search_config.h"

#include <cstdint>
#include <vector>

namespace symopt::distributed {

// Rank 0 keeps the run's seed (so a one-rank run is the ordinary search); the others get
// seeds mixed from (seed, rank), different from each other and from rank 0.
std::uint64_t island_seed(std::uint64_t seed, int rank);
// The evaluation budget split over the ranks (the first ranks take the remainder); 0 (no
// limit) stays 0. Every rank gets at least one evaluation.
long evaluation_share(long evaluations, int rank, int ranks);
// The config one rank runs: its seed and budget share.
SearchConfig island_config(const SearchConfig& config, int rank, int ranks);
// How long ranks wait for each other at the start (preparing the suite can take minutes,
// and more on a loaded node): ten rank timeouts.
double startup_timeout_seconds(const IslandSettings& islands);
// Where a rank's migrants go: every other rank, or the next one around the ring.
std::vector<int> migration_targets(int rank, int ranks, bool ring);

}  // namespace symopt::distributed
