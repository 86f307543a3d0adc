// The loss-curves section: per task of the suite, the best program's validation loss along
// training next to AdamW and Lion at their tuned rates, and the final numbers as a table.
#include "report/report_sections.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace symopt::report {
namespace {

const char* colour_of(std::size_t index) {
  const char* colours[] = {colour_best, colour_adamw, colour_lion};
  return index < 3 ? colours[index] : "#6b7280";
}

const TaskScore* search_score(const RunRecord& run, const std::string& task) {
  if (run.best.empty()) return nullptr;
  for (const TaskScore& score : run.best.front().tasks) {
    if (score.task == task) return &score;
  }
  return nullptr;
}

std::string task_panel(const RunRecord& run, const TaskCurves& curves) {
  const TaskDescription& task = curves.task;
  LineChart chart;
  chart.title = fmt::format("{} \u00b7 {} \u00b7 {} steps", task.name, rung_name(task.rung), task.steps);
  chart.x.label = "training step";
  chart.x.min = 0;
  chart.y.label = "validation loss";
  chart.y.logarithmic = true;
  chart.width = 680;
  chart.height = 340;
  for (std::size_t i = 0; i < curves.optimizers.size(); ++i) {
    const OptimizerCurve& o = curves.optimizers[i];
    ChartSeries series = make_series(fmt::format("{}{}", o.name, o.diverged ? " (diverged)" : ""), colour_of(i),
                                     i == 0 ? 2.8 : 2.2);
    for (const auto& [step, loss] : o.curve) series.points.emplace_back(step, loss);
    if (series.points.size() < 12) series.style = SeriesStyle::line_and_markers;
    chart.series.push_back(std::move(series));
  }
  // Best (the program) drawn last, on top.
  if (!chart.series.empty()) std::rotate(chart.series.begin(), chart.series.begin() + 1, chart.series.end());

  std::string table = "<table>\n<tr><th>optimizer</th><th class=\"num\">rate</th><th class=\"num\">final loss</th>"
                      "<th class=\"num\">loss vs AdamW</th><th>how the rate was chosen</th></tr>\n";
  const double adamw_loss = curves.optimizers.size() > 1 ? curves.optimizers[1].loss : std::nan("");
  for (std::size_t i = 0; i < curves.optimizers.size(); ++i) {
    const OptimizerCurve& o = curves.optimizers[i];
    std::string loss = o.diverged ? "<span class=\"fit neg\">diverged</span>" : format_number(o.loss, 4);
    if (o.accuracy && !o.diverged) loss += fmt::format(" <span class=\"muted\">({:.1f}%)</span>", 100 * *o.accuracy);
    std::string versus = "";
    if (i != 1 && std::isfinite(o.loss) && std::isfinite(adamw_loss) && adamw_loss > 0) {
      const double ratio = o.loss / adamw_loss;
      versus = fmt::format("<span class=\"fit {}\">{:+.1f}%</span>", ratio < 1 ? "pos" : ratio > 1 ? "neg" : "zero",
                           100 * (ratio - 1));
    }
    std::string how = html(o.how_tuned);
    if (i == 0) {
      if (const TaskScore* scored = search_score(run, task.name)) {
        how += fmt::format(" (the search's loss: {})", format_number(scored->loss, 4));
      }
    }
    table += fmt::format("<tr><td class=\"name\"><span class=\"legend-dot\" style=\"background:{}\"></span>{}</td><td class=\"num\">{}</td>"
                         "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"muted\">{}</td></tr>\n",
                         colour_of(i), html(o.name), format_number(o.learning_rate), loss, versus, how);
  }
  table += "</table>\n";
  return fmt::format("<figure class=\"task-curves\" id=\"curves-{}\">{}{}<figcaption>{}</figcaption></figure>\n",
                     html(task.name), line_chart_svg(chart), table, html(task.summary));
}

}  // namespace

std::string loss_curves_section(const RunRecord& run, const std::optional<std::vector<TaskCurves>>& curves,
                                const std::string& note) {
  std::string out = section_open(
      "loss-curves", "Best program against AdamW and Lion",
      "The best program retrained on every task of the run's suite (same rung, steps, schedule and seeds as the "
      "search; curves are means over seeds of the held-out loss) next to AdamW at the rate its baseline sweep tuned "
      "and Lion at the best rate of a sweep around a tenth of the task's rate. The program runs at the task's fixed "
      "rate, as the search scored it: it scales the rate itself.");
  if (!curves || curves->empty()) {
    out += "<p class=\"note\">Loss curves: " + html(note) + ".</p>\n</section>\n";
    return out;
  }
  out += "<div class=\"charts\">\n";
  for (const TaskCurves& task : *curves) out += task_panel(run, task);
  return out + "</div>\n</section>\n";
}

}  // namespace symopt::report
