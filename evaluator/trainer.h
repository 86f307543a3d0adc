// Training one optimizer (an interpreted program or a native reference) on one proxy task
// at one rung: the step loop, the learning-rate schedule and divergence detection.
#pragma once

#include "evaluator/tensor_optimizer.h"
#include "proxies/proxy_task.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

namespace symopt {

enum class Schedule { constant, cosine };

std::string_view schedule_name(Schedule schedule);  // "constant", "cosine"

struct TrainingOptions {
  double learning_rate = 0;     // 0: the task's own fixed rate
  Schedule schedule = Schedule::constant;
  std::uint64_t seed = 0;       // parameter init and minibatch stream
  int steps = 0;                // 0: the rung's budget
  int curve_points = 0;         // >0: record the validation loss this many times (plus step 0)
  // A training loss above divergence_factor * max(|initial training loss|, 1) is divergence.
  double divergence_factor = 1e3;
  // A hurdle (Evolved Transformer's early stop): after `hurdle_step` steps the validation
  // loss is measured, and above `hurdle_loss` the run stops there. 0: no hurdle.
  int hurdle_step = 0;
  double hurdle_loss = std::numeric_limits<double>::infinity();
};

struct TrainingResult {
  bool diverged = false;        // non-finite weights or loss, or loss above the task's bound
  double validation_loss = 0;   // +inf when diverged
  std::optional<double> validation_accuracy;
  double final_training_loss = 0;
  std::vector<std::pair<int, double>> curve;  // (step, validation loss); stops at divergence
  long steps_run = 0;           // optimizer steps taken (fewer than the budget when diverged)
  std::optional<double> hurdle_validation_loss;  // at the hurdle step, when the run got there
  // The run stopped at the hurdle: validation_loss (and accuracy) are the hurdle step's.
  bool stopped_at_hurdle = false;
};

// The rate at 0-based step `step` of `steps`: constant, or cosine from `base` down to 0.
double scheduled_rate(double base, Schedule schedule, long step, long steps);

// Float32 training; never throws for numeric trouble (divergence is a result). The model,
// parameters, gradients and per-tensor optimizers are made once; the step loop allocates
// nothing.
TrainingResult train(const ProxyTask& task, const OptimizerFactory<float>& optimizer,
                     const TrainingOptions& options);

}  // namespace symopt
