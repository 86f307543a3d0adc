// The fitness cache: programs already evaluated, keyed first by structural hash (exact
// duplicates up to names, order and dead code) and then by behavioural fingerprint
// (functionally equivalent rewrites). Thread-safe; counts its hits.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace symopt {

struct CacheStatistics {
  long lookups = 0;
  long structural_hits = 0;   // same structural hash
  long behavioural_hits = 0;  // different structure, same fingerprint
  long evaluations = 0;       // programs actually trained
  long probe_divergences = 0; // programs given the worst fitness because the probe diverged
};

// Value is what is cached (the evaluator's Fitness); kept generic so the cache is testable alone.
template <class Value>
class FitnessCache {
 public:
  // Looks the structural hash up; counts a lookup, and a hit when found.
  std::optional<Value> find_structural(std::uint64_t structural_hash) {
    const std::lock_guard lock(mutex_);
    ++statistics_.lookups;
    const auto found = by_structure_.find(structural_hash);
    if (found == by_structure_.end()) return std::nullopt;
    ++statistics_.structural_hits;
    return found->second;
  }

  // After a structural miss: looks the fingerprint up; a hit also files the value under the
  // new structure so that the next exact duplicate is a structural hit.
  std::optional<Value> find_behavioural(std::uint64_t structural_hash, std::uint64_t fingerprint) {
    const std::lock_guard lock(mutex_);
    const auto found = by_behaviour_.find(fingerprint);
    if (found == by_behaviour_.end()) return std::nullopt;
    ++statistics_.behavioural_hits;
    by_structure_.emplace(structural_hash, found->second);
    return found->second;
  }

  // Files a freshly computed value under both keys; the first value for a key stays.
  void insert(std::uint64_t structural_hash, std::uint64_t fingerprint, const Value& value) {
    const std::lock_guard lock(mutex_);
    by_structure_.emplace(structural_hash, value);
    by_behaviour_.emplace(fingerprint, value);
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
  std::size_t size() const {
    const std::lock_guard lock(mutex_);
    return by_behaviour_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, Value> by_structure_;
  std::unordered_map<std::uint64_t, Value> by_behaviour_;
  CacheStatistics statistics_;
};

}  // namespace symopt
