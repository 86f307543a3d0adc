// Loss curves of several optimizers as one self-contained SVG: a panel per task, a line
// (one <path class="series" data-name="NAME">) per optimizer, shared colours and a legend.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace symopt {

struct CurveSeries {
  std::string name;                               // legend entry, e.g. "AdamW"
  std::vector<std::pair<double, double>> points;  // (step, loss), ascending step
};

struct CurvePanel {
  std::string title;  // e.g. "mlp-digits [tiny]"
  std::vector<CurveSeries> series;
};

// Non-finite points are left out. The y axis is logarithmic when every plotted value is
// positive and they span more than a factor 3, linear otherwise.
std::string loss_curves_svg(const std::vector<CurvePanel>& panels, const std::string& title);

}  // namespace symopt
