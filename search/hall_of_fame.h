// The hall of fame: the best distinct programs (by structural hash) of a run, plus the
// Pareto front of fitness against memory (state tensors) and length (ops), as PySR keeps
// loss against complexity; Lion's case is AdamW-level fitness with one state instead of two.
#pragma once

#include "evaluator/evaluator.h"
#include "search/lineage.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace symopt {

struct HallOfFameEntry {
  LineageRecord origin;            // id, parent, mutation, generation, hash, fitness, size
  std::vector<TaskScore> tasks;    // fitness per task
  std::string program;             // the canonical (dead-code-free) text
  double found_at_seconds = 0;     // run time when it was first evaluated
};

class HallOfFame {
 public:
  explicit HallOfFame(int capacity = 20) : capacity_(capacity) {}
  // Restores saved lists as they were (re-filing could reorder ties).
  HallOfFame(int capacity, std::vector<HallOfFameEntry> best, std::vector<HallOfFameEntry> front)
      : capacity_(capacity), best_(std::move(best)), front_(std::move(front)) {}

  // Whether a program would enter either list (cheap; lets callers build entries lazily).
  bool would_enter(std::uint64_t hash, double fitness, int states, int ops) const;
  // Files the entry; the first program with a hash keeps its place.
  void consider(const HallOfFameEntry& entry);

  // By fitness, best first; ties keep discovery order. At most `capacity` entries.
  const std::vector<HallOfFameEntry>& best() const { return best_; }
  // Programs no other beats on all of fitness (higher), states and ops (fewer); sorted by
  // states, then ops. Programs at the worst fitness (-1, diverged everywhere) never enter.
  const std::vector<HallOfFameEntry>& pareto_front() const { return front_; }
  int capacity() const { return capacity_; }
  // The ids of every program kept (for lineage pruning).
  std::vector<long> ids() const;

 private:
  bool enters_best(std::uint64_t hash, double fitness) const;
  bool enters_front(std::uint64_t hash, double fitness, int states, int ops) const;
  int capacity_;
  std::vector<HallOfFameEntry> best_;
  std::vector<HallOfFameEntry> front_;
};

nlohmann::json task_score_to_json(const TaskScore& score);
TaskScore task_score_from_json(const nlohmann::json& json);
nlohmann::json hall_of_fame_entry_to_json(const HallOfFameEntry& entry);  // adds "folded"
HallOfFameEntry hall_of_fame_entry_from_json(const nlohmann::json& json);  // std::runtime_error
nlohmann::json hall_of_fame_to_json(const HallOfFame& hall);  // {"capacity", "best", "pareto_front"}
HallOfFame hall_of_fame_from_json(const nlohmann::json& json);

}  // namespace symopt
