// The fitness cache: programs already evaluated, keyed first by structural hash (exact
// duplicates up to names, order and dead code) and then by behavioural fingerprint
// (functionally equivalent rewrites). Thread-safe; counts its hits. Bounded: each of the two
// indexes keeps its `capacity` most recently used entries, so a long run's memory stays flat;
// an evicted program is simply trained again (training is deterministic).
#pragma once

#include "evaluator/lru_map.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

namespace symopt {

struct CacheStatistics {
  long lookups = 0;
  long structural_hits = 0;   // same structural hash
  long behavioural_hits = 0;  // different structure, same fingerprint
  long evaluations = 0;       // programs actually trained
  long probe_divergences = 0; // programs given the worst fitness because the probe diverged
  long evictions = 0;         // entries forgotten to stay within the capacity (both indexes)
};

// Entries per index by default: a few MB at most (an entry holds one Fitness, ~0.2-0.9 kB
// with 1-5 tasks, shared by both indexes). Small enough to fill within a fast search's
// first minute, so memory is flat after it; hits come overwhelmingly from the recent
// population and its ancestors, which the least-recently-used order keeps.
inline constexpr std::size_t default_fitness_cache_capacity = 4096;

// Value is what is cached (the evaluator's Fitness); kept generic so the cache is testable alone.
template <class Value>
class FitnessCache {
 public:
  // capacity: entries per index (structural hashes, fingerprints); 0: no bound.
  explicit FitnessCache(std::size_t capacity = default_fitness_cache_capacity)
      : by_structure_(capacity), by_behaviour_(capacity) {}

  // Looks the structural hash up; counts a lookup, and a hit when found.
  std::optional<Value> find_structural(std::uint64_t structural_hash) {
    const std::lock_guard lock(mutex_);
    ++statistics_.lookups;
    const Stored* found = by_structure_.find(structural_hash);
    if (!found) return std::nullopt;
    ++statistics_.structural_hits;
    return **found;
  }

  // After a structural miss: looks the fingerprint up; a hit also files the value under the
  // new structure so that the next exact duplicate is a structural hit.
  std::optional<Value> find_behavioural(std::uint64_t structural_hash, std::uint64_t fingerprint) {
    const std::lock_guard lock(mutex_);
    const Stored* found = by_behaviour_.find(fingerprint);
    if (!found) return std::nullopt;
    ++statistics_.behavioural_hits;
    const Stored shared = *found;
    statistics_.evictions += static_cast<long>(by_structure_.emplace(structural_hash, shared));
    return *shared;
  }

  // Files a freshly computed value under both keys; the first value for a key stays.
  void insert(std::uint64_t structural_hash, std::uint64_t fingerprint, const Value& value) {
    const std::lock_guard lock(mutex_);
    const auto shared = std::make_shared<const Value>(value);
    statistics_.evictions += static_cast<long>(by_structure_.emplace(structural_hash, shared));
    statistics_.evictions += static_cast<long>(by_behaviour_.emplace(fingerprint, shared));
  }

  // A program answered by an equal one earlier in the same batch (not yet in the cache).
  void count_batch_duplicate(bool structural) {
    const std::lock_guard lock(mutex_);
    ++(structural ? statistics_.structural_hits : statistics_.behavioural_hits);
  }
  void count_evaluation() {
    const std::lock_guard lock(mutex_);
    ++statistics_.evaluations;
  }
  void count_probe_divergence() {
    const std::lock_guard lock(mutex_);
    ++statistics_.probe_divergences;
  }

  CacheStatistics statistics() const {
    const std::lock_guard lock(mutex_);
    return statistics_;
  }
  // Distinct behaviours kept (entries of the fingerprint index).
  std::size_t size() const {
    const std::lock_guard lock(mutex_);
    return by_behaviour_.size();
  }
  std::size_t structural_size() const {
    const std::lock_guard lock(mutex_);
    return by_structure_.size();
  }
  std::size_t capacity() const { return by_behaviour_.capacity(); }

 private:
  using Stored = std::shared_ptr<const Value>;  // one copy shared by both indexes
  mutable std::mutex mutex_;
  LruMap<std::uint64_t, Stored> by_structure_;
  LruMap<std::uint64_t, Stored> by_behaviour_;
  CacheStatistics statistics_;
};

}  // namespace symopt
