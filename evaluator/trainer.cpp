// The training loop shared by fitness evaluation, baselines and `symopt eval`.
#include "evaluator/trainer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numbers>

namespace symopt {
namespace {

bool all_finite(const std::vector<Tensor<float>>& tensors) {
  return std::all_of(tensors.begin(), tensors.end(), [](const Tensor<float>& t) { return t.allFinite(); });
}

// The 1-based steps after which the validation loss is recorded: curve_points of them,
// evenly spread, the last one at the end of training.
std::vector<long> curve_steps(int curve_points, long steps) {
  std::vector<long> result;
  for (int k = 1; k <= curve_points; ++k) {
    const long step = std::max(1L, (steps * k + curve_points / 2) / curve_points);
    if (result.empty() || step > result.back()) result.push_back(step);
  }
  return result;
}

}  // namespace

std::string_view schedule_name(Schedule schedule) {
  return schedule == Schedule::cosine ? "cosine" : "constant";
}

double scheduled_rate(double base, Schedule schedule, long step, long steps) {
  if (schedule == Schedule::constant || steps <= 0) return base;
  const double progress = static_cast<double>(step) / static_cast<double>(steps);
  return base * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
}

TrainingResult train(const ProxyTask& task, const OptimizerFactory<float>& optimizer,
                     const TrainingOptions& options) {
  const TaskDescription& description = task.description();
  const long steps = options.steps > 0 ? options.steps : description.steps;
  const double base_rate = options.learning_rate > 0 ? options.learning_rate : description.learning_rate;

  const std::unique_ptr<ProxyModel<float>> model = task.make_model_f32(options.seed);
  const std::vector<TensorShape> shapes = model->parameter_shapes();
  std::vector<Tensor<float>> params;
  model->initialize(options.seed, params);
  std::vector<Tensor<float>> grads;
  grads.reserve(shapes.size());
  std::vector<std::unique_ptr<TensorOptimizer<float>>> optimizers;
  optimizers.reserve(shapes.size());
  for (const TensorShape& shape : shapes) {
    grads.push_back(Tensor<float>::Zero(shape.size()));
    optimizers.push_back(optimizer(shape.rows, shape.cols));
  }

  TrainingResult result;
  const std::vector<long> record_at = curve_steps(std::max(0, options.curve_points), steps);
  std::size_t next_record = 0;
  if (!record_at.empty()) {
    result.curve.reserve(record_at.size() + 1);
    result.curve.emplace_back(0, model->validate(params).loss);
  }
  std::optional<ValidationMetrics> last_validation;
  long validated_at = -1;  // the step last_validation was measured after

  double loss_bound = std::numeric_limits<double>::infinity();
  for (long step = 0; step < steps; ++step) {
    const double loss = model->loss_and_gradient(params, step, grads);
    if (step == 0) loss_bound = options.divergence_factor * std::max(std::fabs(loss), 1.0);
    result.final_training_loss = loss;
    // Written so that NaN counts as divergence.
    if (!(loss <= loss_bound)) {
      result.diverged = true;
      break;
    }
    const float rate = static_cast<float>(scheduled_rate(base_rate, options.schedule, step, steps));
    for (std::size_t i = 0; i < params.size(); ++i) {
      optimizers[i]->step(std::span<float>(params[i].data(), params[i].size()),
                          std::span<const float>(grads[i].data(), grads[i].size()), rate, step + 1);
    }
    result.steps_run = step + 1;
    if (!all_finite(params)) {
      result.diverged = true;
      break;
    }
    const bool record = next_record < record_at.size() && record_at[next_record] == step + 1;
    const bool at_hurdle = options.hurdle_step > 0 && step + 1 == options.hurdle_step && step + 1 < steps;
    if (record || at_hurdle) {
      last_validation = model->validate(params);
      validated_at = step + 1;
    }
    if (record) {
      result.curve.emplace_back(static_cast<int>(step + 1), last_validation->loss);
      ++next_record;
    }
    if (at_hurdle) {
      result.hurdle_validation_loss = last_validation->loss;
      // Written so that a NaN loss stops the run too.
      if (!(last_validation->loss <= options.hurdle_loss)) {
        result.stopped_at_hurdle = true;
        break;
      }
    }
  }

  if (!result.diverged) {
    // The last validation, when it was after the last step taken, is already the final one.
    const ValidationMetrics metrics =
        last_validation && validated_at == result.steps_run ? *last_validation : model->validate(params);
    result.validation_loss = metrics.loss;
    result.validation_accuracy = metrics.accuracy;
    if (!std::isfinite(metrics.loss)) result.diverged = true;
  }
  if (result.diverged) {
    result.validation_loss = std::numeric_limits<double>::infinity();
    result.validation_accuracy.reset();
  }
  return result;
}

}  // namespace symopt
