// Formatting a comparison: table rows per task and optimizer, JSON with every number the
// table shows (plus per-seed losses, the sweep and the curves), and the loss-curve plot.
#include "evaluator/comparison_report.h"

#include "evaluator/loss_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace symopt {
namespace {

nlohmann::json finite_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json outcome_json(const OptimizerOutcome& o) {
  nlohmann::json seed_losses = nlohmann::json::array();
  for (double loss : o.seed_losses) seed_losses.push_back(finite_or_null(loss));
  nlohmann::json sweep = nlohmann::json::array();
  for (const auto& [rate, loss] : o.sweep) sweep.push_back({{"learning_rate", rate}, {"loss", finite_or_null(loss)}});
  nlohmann::json curve = nlohmann::json::array();
  for (const auto& [step, loss] : o.curve) curve.push_back({step, finite_or_null(loss)});
  nlohmann::json out = {{"optimizer", o.name},
                        {"kind", o.kind},
                        {"learning_rate", o.learning_rate},
                        {"diverged", o.diverged},
                        {"loss", finite_or_null(o.loss)},
                        {"loss_std", finite_or_null(o.loss_std)},
                        {"accuracy", nullptr},
                        {"accuracy_std", nullptr},
                        {"score", nullptr},
                        {"seed_losses", seed_losses},
                        {"sweep", sweep},
                        {"best_rate_at_sweep_edge", o.best_at_edge},
                        {"curve", curve}};
  if (o.accuracy) out["accuracy"] = *o.accuracy, out["accuracy_std"] = o.accuracy_std;
  if (o.score) out["score"] = *o.score;
  return out;
}

std::string rate_policy(const ComparisonConfig& config) {
  if (!config.lr_sweep) return "programs and AdamW at the task's rate, Lion at 0.1x it";
  return fmt::format("each optimizer at its best of {} rates, task rate x 10^(-7/3 ... 4/3)", config.sweep.points);
}

}  // namespace

nlohmann::json comparison_json(const std::vector<TaskComparison>& comparisons, const ComparisonConfig& config) {
  nlohmann::json seeds = nlohmann::json::array();
  for (std::uint64_t seed : seed_list(config.base_seed, config.seeds)) seeds.push_back(seed);
  nlohmann::json optimizers = nlohmann::json::array();
  if (!comparisons.empty()) {
    for (const OptimizerOutcome& o : comparisons.front().optimizers) {
      optimizers.push_back({{"name", o.name}, {"kind", o.kind}, {"description", o.description}});
    }
  }
  nlohmann::json tasks = nlohmann::json::array();
  for (const TaskComparison& comparison : comparisons) {
    const TaskDescription& d = comparison.task;
    nlohmann::json results = nlohmann::json::array();
    for (const OptimizerOutcome& o : comparison.optimizers) results.push_back(outcome_json(o));
    tasks.push_back({{"task", d.name},
                     {"rung", rung_name(d.rung)},
                     {"summary", d.summary},
                     {"metric", d.metric},
                     {"has_accuracy", d.has_accuracy},
                     {"steps", config.steps > 0 ? config.steps : d.steps},
                     {"batch_size", d.batch_size},
                     {"task_learning_rate", d.learning_rate},
                     {"results", results}});
  }
  return {{"rung", rung_name(config.rung)},
          {"seeds", seeds},
          {"lr_sweep", config.lr_sweep},
          {"rate_policy", rate_policy(config)},
          {"schedule", schedule_name(config.schedule)},
          {"score", "tanh(log(adamw_loss / loss) / 0.5): 0 = AdamW, positive = better, -1 = diverged"},
          {"optimizers", optimizers},
          {"tasks", tasks}};
}

std::string comparison_table(const std::vector<TaskComparison>& comparisons, const ComparisonConfig& config) {
  std::string out = fmt::format("rung {}, {} seed(s) from {}, {} schedule; {}\n", rung_name(config.rung), config.seeds,
                                config.base_seed, schedule_name(config.schedule), rate_policy(config));
  std::size_t name_width = 9;
  for (const TaskComparison& comparison : comparisons) {
    for (const OptimizerOutcome& o : comparison.optimizers) name_width = std::max(name_width, o.name.size());
  }
  bool any_edge = false;
  for (const TaskComparison& comparison : comparisons) {
    const TaskDescription& d = comparison.task;
    out += fmt::format("\n{} [{}]: {}; {} steps\n  metric: {}\n", d.name, rung_name(d.rung), d.summary,
                       config.steps > 0 ? config.steps : d.steps, d.metric);
    out += fmt::format("  {:<{}}  {:>9}  {:>21}  {:>17}  {:>7}\n", "optimizer", name_width, "rate", "loss (mean +- sd)",
                       d.has_accuracy ? "accuracy (+- sd)" : "", "score");
    for (const OptimizerOutcome& o : comparison.optimizers) {
      const bool edge = config.lr_sweep && o.best_at_edge;
      any_edge = any_edge || edge;
      const std::string loss = o.diverged ? std::string("diverged") : fmt::format("{:>9.5g} +- {:<8.2g}", o.loss, o.loss_std);
      const std::string accuracy =
          o.accuracy ? fmt::format("{:6.2f}% +- {:<5.2f}", 100 * *o.accuracy, 100 * o.accuracy_std) : std::string();
      const std::string score = o.score ? fmt::format("{:+.3f}", *o.score) : std::string("n/a");
      out += fmt::format("  {:<{}}  {:>9.3g}{}  {:>21}  {:>17}  {:>7}\n", o.name, name_width, o.learning_rate,
                         edge ? "!" : " ", loss, accuracy, score);
    }
  }
  if (any_edge) out += "\n! the best rate is at the edge of the sweep (the optimum may lie beyond it)\n";
  return out;
}

std::string comparison_plot_svg(const std::vector<TaskComparison>& comparisons, const ComparisonConfig& config) {
  std::vector<CurvePanel> panels;
  for (const TaskComparison& comparison : comparisons) {
    CurvePanel panel;
    panel.title = fmt::format("{} [{}]", comparison.task.name, rung_name(comparison.task.rung));
    for (const OptimizerOutcome& o : comparison.optimizers) {
      CurveSeries series;
      series.name = o.name;
      for (const auto& [step, loss] : o.curve) series.points.emplace_back(step, loss);
      panel.series.push_back(std::move(series));
    }
    panels.push_back(std::move(panel));
  }
  return loss_curves_svg(panels, fmt::format("validation loss, mean of {} seed(s); {}", config.seeds,
                                             rate_policy(config)));
}

}  // namespace symopt
