// Ablation: simplifications that change behaviour but not (much) fitness. Each candidate
// edit (drop an op, drop a state, replace a value by 0 or 1, round a constant) is kept when
// the program's fitness on the given tasks stays within a tolerance of the *original*
// fitness, so edits cannot drift.
#pragma once

#include "dsl/analyzer.h"

#include <functional>
#include <string>
#include <vector>

namespace symopt {

// Higher is better (the evaluator's Fitness::value). Must be deterministic.
using FitnessFunction = std::function<double(const AnalyzedProgram&)>;

struct AblationOptions {
  double tolerance = 0.005;  // largest fitness loss accepted, against the original fitness
  int max_evaluations = 200; // fitness evaluations at most (the original's included)
};

struct AblationChange {
  std::string description;   // e.g. "drop op: sign(interp(g, m, 0.9)) -> interp(g, m, 0.9)"
  double fitness = 0;        // fitness after the change
  double change = 0;         // fitness after minus the original fitness
};

struct AblationResult {
  AnalyzedProgram program;
  double fitness_before = 0;
  double fitness_after = 0;
  std::vector<AblationChange> accepted;
  int evaluations = 0;
  bool budget_exhausted = false;
};

AblationResult ablate(const AnalyzedProgram& program, const FitnessFunction& fitness,
                      const AblationOptions& options);

}  // namespace symopt
