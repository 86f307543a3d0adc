// Loss curves of a program on every task of a run's suite next to AdamW and Lion at their
// tuned rates: the program at the task's fixed rate (as the search scored it), AdamW at the
// rate of the fitness baseline (from the run's baseline cache when it holds it), Lion at the
// best rate of a sweep around a tenth of the task's rate.
#pragma once

#include "dsl/analyzer.h"
#include "evaluator/evaluator.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace symopt {

struct OptimizerCurve {
  std::string name;         // "best program", "AdamW", "Lion"
  std::string how_tuned;    // one line: where its rate comes from
  double learning_rate = 0;
  bool diverged = false;    // any seed, at that rate
  double loss = 0;          // mean final validation loss over seeds (+inf when diverged)
  std::optional<double> accuracy;
  std::vector<std::pair<int, double>> curve;  // mean validation loss over seeds per recorded step
  std::vector<std::pair<double, double>> sweep;  // (rate, mean loss) when swept
};

struct TaskCurves {
  TaskDescription task;
  std::vector<OptimizerCurve> optimizers;  // program, AdamW, Lion
};

struct CurveSettings {
  int curve_points = 40;  // validation points along each run (plus step 0)
  // Per task, the multiple of the task's rate the program runs at (absent: 1), as the search
  // scored it.
  std::map<std::string, double> program_rate_multipliers;
};

// Trains on every task of `suite` (same rung, steps, schedule and seeds as the search).
// Throws std::runtime_error for unknown tasks or missing data.
std::vector<TaskCurves> reference_curves(const AnalyzedProgram& program, const SuiteConfig& suite,
                                         const CurveSettings& settings);

// The mean over seeds at each recorded step, up to the shortest curve (a diverged seed stops
// early).
std::vector<std::pair<int, double>> mean_curve(const std::vector<TrainingResult>& runs);

}  // namespace symopt
