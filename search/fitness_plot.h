// The run's fitness-over-time plot (best and population median against minutes), as a
// self-contained SVG drawn from the progress log.
#pragma once

#include <string>
#include <vector>

namespace symopt {

struct FitnessPoint {
  double minutes = 0;
  double best = 0;
  double median = 0;
};

// Reads log.jsonl text; lines that do not parse (a line cut by a kill) are skipped.
std::vector<FitnessPoint> fitness_points_from_log(const std::string& log_text);
std::string fitness_plot_svg(const std::vector<FitnessPoint>& points, const std::string& title);

}  // namespace symopt
