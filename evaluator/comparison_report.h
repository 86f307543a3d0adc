// The outputs of `symopt eval` from one comparison: a readable table, the same as JSON, and
// an SVG of the loss curves (a panel per task, a line per optimizer).
#pragma once

#include "evaluator/comparison.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace symopt {

nlohmann::json comparison_json(const std::vector<TaskComparison>& comparisons, const ComparisonConfig& config);
std::string comparison_table(const std::vector<TaskComparison>& comparisons, const ComparisonConfig& config);
std::string comparison_plot_svg(const std::vector<TaskComparison>& comparisons, const ComparisonConfig& config);

}  // namespace symopt
