// The fitness-over-time plot: the progress log's best and median fitness as two series of
// the shared line chart (common/svg_chart).
#include "search/fitness_plot.h"

#include "common/svg_chart.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

namespace symopt {

std::vector<FitnessPoint> fitness_points_from_log(const std::string& log_text) {
  std::vector<FitnessPoint> points;
  std::istringstream lines(log_text);
  std::string line;
  while (std::getline(lines, line)) {
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      const auto& best = j.at("best_fitness");
      const auto& median = j.at("median_fitness");
      if (!best.is_number() || !median.is_number()) continue;
      points.push_back({j.at("elapsed_seconds").get<double>() / 60, best.get<double>(), median.get<double>()});
    } catch (const nlohmann::json::exception&) {
      continue;
    }
  }
  return points;
}

std::string fitness_plot_svg(const std::vector<FitnessPoint>& points, const std::string& title) {
  LineChart chart;
  chart.title = title;
  chart.width = 720;
  chart.height = 420;
  chart.css_class = "fitness-over-time";
  chart.x.label = "minutes";
  chart.x.min = 0.0;
  chart.y.label = "fitness (0 = AdamW)";
  ChartSeries median = make_series("population median", "#999999");
  ChartSeries best = make_series("best", "#1f5fbf");
  for (const FitnessPoint& p : points) {
    // The median of a young population sits at the worst fitness for long; -1 is the floor
    // of the fitness scale, anything lower (a synthetic fitness) is clipped to it.
    median.points.emplace_back(p.minutes, std::max(p.median, -1.0));
    best.points.emplace_back(p.minutes, p.best);
  }
  chart.series = {std::move(median), std::move(best)};  // best drawn on top
  return line_chart_svg(chart);
}

}  // namespace symopt
