// Fitness caches shared between islands: the scores other islands computed, filed by
// structural hash, answer the same structures here without training;
// the scores computed here are collected for the next migration. Memory stays bounded:
// scores live in two generations, and when the newer one is full the older is dropped
// (with many ranks, tens of thousands of scores arrive per minute). The islands size it
// with suite.fitness_cache_capacity, as the evaluator's own cache.
#pragma once

#include "search/search_engine.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace symopt::distributed {

class SharedScores {
 public:
  // Keeps between capacity / 2 and capacity structures (imported or exported); 0: no bound.
  explicit SharedScores(std::size_t capacity = default_fitness_cache_capacity);

  // Files scores from another island; structures known here already are skipped.
  void import_scores(const std::vector<Fitness>& scores);
  // The scores of structures first evaluated here since the last call (to be exported).
  std::vector<Fitness> take_fresh();

  // The hooks' fitness functions, answering imported structures from the shared scores
  // (marked cached) and collecting everything else they evaluate.
  FitnessFunction wrap(FitnessFunction fitness);
  BatchFitnessFunction wrap(BatchFitnessFunction batch_fitness);

  long imported() const;      // scores filed from other islands
  long imported_hits() const; // evaluations they answered
  long exported() const;      // scores handed out by take_fresh
  long forgotten() const;     // structures dropped with an old generation

 private:
  // Every structure imported or evaluated here, by structural hash; the score only for
  // imported ones (those evaluated here are answered by the evaluator's own cache).
  using Generation = std::unordered_map<std::uint64_t, std::optional<Fitness>>;
  std::optional<Fitness> find(std::uint64_t structural_hash);
  // Files a structure in the current generation; false when already known. Caller holds mutex_.
  bool learn(std::uint64_t structural_hash, std::optional<Fitness> imported_score);
  void remember(std::uint64_t structural_hash, const Fitness& fitness);

  const std::size_t generation_capacity_;  // 0: one generation that is never dropped
  mutable std::mutex mutex_;
  std::unique_ptr<Generation> current_, previous_;
  std::vector<Fitness> fresh_;
  long imported_ = 0, imported_hits_ = 0, exported_ = 0, forgotten_ = 0;
};

}  // namespace symopt::distributed
