// Shared scores around the evaluator's own cache.
#include "distributed/shared_scores.h"

#include <algorithm>

namespace symopt::distributed {

SharedScores::SharedScores(std::size_t capacity)
    : generation_capacity_(capacity == 0 ? 0 : std::max<std::size_t>(capacity / 2, 1)),
      current_(std::make_unique<Generation>()), previous_(std::make_unique<Generation>()) {}

bool SharedScores::learn(std::uint64_t structural_hash, std::optional<Fitness> imported_score) {
  if (previous_->contains(structural_hash) || current_->contains(structural_hash)) return false;
  current_->emplace(structural_hash, std::move(imported_score));
  if (generation_capacity_ > 0 && current_->size() >= generation_capacity_) {
    forgotten_ += static_cast<long>(previous_->size());
    previous_ = std::move(current_);
    current_ = std::make_unique<Generation>();
  }
  return true;
}

void SharedScores::import_scores(const std::vector<Fitness>& scores) {
  const std::lock_guard lock(mutex_);
  for (const Fitness& score : scores) {
    Fitness stored = score;
    stored.cached = true;
    if (learn(score.structural_hash, std::move(stored))) ++imported_;
  }
}

std::vector<Fitness> SharedScores::take_fresh() {
  const std::lock_guard lock(mutex_);
  std::vector<Fitness> fresh;
  fresh.swap(fresh_);
  exported_ += static_cast<long>(fresh.size());
  return fresh;
}

std::optional<Fitness> SharedScores::find(std::uint64_t structural_hash) {
  const std::lock_guard lock(mutex_);
  for (const Generation* generation : {current_.get(), previous_.get()}) {
    const auto found = generation->find(structural_hash);
    if (found == generation->end()) continue;
    if (found->second) ++imported_hits_;
    return found->second;  // empty when evaluated here: the evaluator's cache answers it
  }
  return std::nullopt;
}

// Scores are exported under the structure that was evaluated (the evaluator's own cache
// may have answered it from an equivalent program filed under another hash).
void SharedScores::remember(std::uint64_t structural_hash, const Fitness& fitness) {
  const std::lock_guard lock(mutex_);
  if (!learn(structural_hash, std::nullopt)) return;
  Fitness exported = fitness;
  exported.structural_hash = structural_hash;
  exported.cached = false;
  fresh_.push_back(std::move(exported));
}

FitnessFunction SharedScores::wrap(FitnessFunction fitness) {
  return [this, fitness = std::move(fitness)](const AnalyzedProgram& program) {
    if (std::optional<Fitness> shared = find(program.structural_hash)) return *shared;
    Fitness result = fitness(program);
    remember(program.structural_hash, result);
    return result;
  };
}

BatchFitnessFunction SharedScores::wrap(BatchFitnessFunction batch_fitness) {
  if (!batch_fitness) return batch_fitness;
  return [this, batch_fitness = std::move(batch_fitness)](const std::vector<AnalyzedProgram>& programs) {
    std::vector<Fitness> results(programs.size());
    std::vector<AnalyzedProgram> unknown;
    std::vector<std::size_t> unknown_positions;
    for (std::size_t k = 0; k < programs.size(); ++k) {
      if (std::optional<Fitness> shared = find(programs[k].structural_hash)) {
        results[k] = std::move(*shared);
      } else {
        unknown.push_back(programs[k]);
        unknown_positions.push_back(k);
      }
    }
    if (!unknown.empty()) {
      std::vector<Fitness> evaluated = batch_fitness(unknown);
      if (evaluated.size() != unknown.size()) {
        throw std::runtime_error("batch fitness function returned the wrong number of results");
      }
      for (std::size_t j = 0; j < unknown.size(); ++j) {
        remember(unknown[j].structural_hash, evaluated[j]);
        results[unknown_positions[j]] = std::move(evaluated[j]);
      }
    }
    return results;
  };
}

long SharedScores::imported() const {
  const std::lock_guard lock(mutex_);
  return imported_;
}
long SharedScores::imported_hits() const {
  const std::lock_guard lock(mutex_);
  return imported_hits_;
}
long SharedScores::exported() const {
  const std::lock_guard lock(mutex_);
  return exported_;
}
long SharedScores::forgotten() const {
  const std::lock_guard lock(mutex_);
  return forgotten_;
}

}  // namespace symopt::distributed
