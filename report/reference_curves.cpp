// Re-training the report's program and its two references with loss curves recorded.
#include "report/reference_curves.h"

#include "dsl/interpreter.h"
#include "evaluator/baseline_cache.h"
#include "evaluator/baselines.h"
#include "evaluator/lr_sweep.h"
#include "evaluator/native_optimizers.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace symopt {
namespace {

OptimizerCurve curve_of(std::string name, std::string how_tuned, const SeedRuns& runs) {
  OptimizerCurve curve;
  curve.name = std::move(name);
  curve.how_tuned = std::move(how_tuned);
  curve.learning_rate = runs.learning_rate;
  curve.diverged = runs.diverged;
  curve.loss = runs.mean_loss;
  curve.accuracy = runs.mean_accuracy;
  curve.curve = mean_curve(runs.runs);
  return curve;
}

}  // namespace

std::vector<std::pair<int, double>> mean_curve(const std::vector<TrainingResult>& runs) {
  if (runs.empty()) return {};
  std::size_t length = runs.front().curve.size();
  for (const TrainingResult& run : runs) length = std::min(length, run.curve.size());
  std::vector<std::pair<int, double>> mean(length);
  for (std::size_t i = 0; i < length; ++i) {
    double sum = 0;
    for (const TrainingResult& run : runs) sum += run.curve[i].second;
    mean[i] = {runs.front().curve[i].first, sum / static_cast<double>(runs.size())};
  }
  return mean;
}

std::vector<TaskCurves> reference_curves(const AnalyzedProgram& program, const SuiteConfig& suite,
                                         const CurveSettings& settings) {
  const std::filesystem::path data_dir = suite.data_dir.empty() ? default_data_dir() : suite.data_dir;
  const std::vector<std::uint64_t> seeds = seed_list(suite.base_seed, std::max(1, suite.seeds));
  const OptimizerFactory<float> program_factory =
      program_optimizer_factory<float>(std::make_shared<const CompiledProgram>(compile_program(program)));
  TrainingOptions options;
  options.steps = suite.steps;
  options.schedule = suite.schedule;
  options.curve_points = settings.curve_points;

  std::vector<TaskCurves> result(suite.tasks.size());
  tbb::parallel_for(std::size_t{0}, suite.tasks.size(), [&](std::size_t t) {
    const auto task = load_task(suite.tasks[t], suite.rung, data_dir);
    const TaskDescription& description = task->description();
    TaskCurves& curves = result[t];
    curves.task = description;

    const auto found = settings.program_rate_multipliers.find(description.name);
    const double multiplier = found == settings.program_rate_multipliers.end() ? 1.0 : found->second;
    curves.optimizers.push_back(curve_of(
        "best program",
        multiplier == 1.0 ? std::string("the task's fixed rate, as in the search")
                          : fmt::format("{:g} x the task's rate, as in the search", multiplier),
        train_over_seeds(*task, program_factory, description.learning_rate * multiplier, seeds, options)));

    // AdamW at the fitness baseline's rate: the very sweep the search scored against.
    const BaselineKey key = make_baseline_key(*task, suite.steps, seeds, suite.schedule, suite.adamw, suite.adamw_sweep);
    std::string warning;
    const AdamwBaseline baseline = obtain_adamw_baseline(*task, key, suite.baseline_cache, suite.adamw, &warning);
    OptimizerCurve adamw = curve_of(
        "AdamW", fmt::format("the fitness baseline's {}-rate sweep", baseline.sweep.size()),
        train_over_seeds(*task, adamw_optimizer<float>(suite.adamw), baseline.learning_rate, seeds, options));
    adamw.sweep = baseline.sweep;
    curves.optimizers.push_back(std::move(adamw));

    // Lion at the best rate of the same grid shape, centred a tenth below the task's rate.
    const RateSweep lion_sweep = sweep_learning_rate(*task, lion_optimizer<float>(comparison_lion_hyper()),
                                                     description.learning_rate * lion_rate_ratio, suite.adamw_sweep,
                                                     seeds, options);
    OptimizerCurve lion;
    const std::string lion_how = fmt::format("best of a {}-rate sweep", lion_sweep.rates.size());
    if (const SeedRuns* best = lion_sweep.best_runs()) {
      lion = curve_of("Lion", lion_how, *best);
    } else {
      lion.name = "Lion";
      lion.how_tuned = lion_how + " (diverged at every rate)";
      lion.diverged = true;
      lion.loss = std::numeric_limits<double>::infinity();
    }
    for (const SeedRuns& rate : lion_sweep.rates) lion.sweep.emplace_back(rate.learning_rate, rate.mean_loss);
    curves.optimizers.push_back(std::move(lion));
  });
  return result;
}

}  // namespace symopt
