// Multi-panel SVG of loss curves: each panel is a chart of the shared line chart
// (common/svg_chart) placed in two columns, one colour per series name across all panels.
#include "evaluator/loss_plot.h"

#include "common/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace symopt {
namespace {

constexpr double panel_width = 480, panel_height = 320;
constexpr double header = 36;  // the figure's title
constexpr int columns = 2;
constexpr const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                   "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

bool plottable(const std::pair<double, double>& point) {
  return std::isfinite(point.first) && std::isfinite(point.second);
}

// Logarithmic when every plotted value is positive and they span more than a factor 3.
bool wants_log_axis(const CurvePanel& panel) {
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (const CurveSeries& series : panel.series) {
    for (const auto& point : series.points) {
      if (!plottable(point)) continue;
      low = std::min(low, point.second);
      high = std::max(high, point.second);
    }
  }
  return low > 0 && high / low > 3;
}

}  // namespace

std::string loss_curves_svg(const std::vector<CurvePanel>& panels, const std::string& title) {
  // One colour per distinct series name, in order of first appearance.
  std::vector<std::string> names;
  for (const CurvePanel& panel : panels) {
    for (const CurveSeries& series : panel.series) {
      if (std::find(names.begin(), names.end(), series.name) == names.end()) names.push_back(series.name);
    }
  }
  auto colour = [&](const std::string& name) {
    const auto index = std::find(names.begin(), names.end(), name) - names.begin();
    return palette[index % std::size(palette)];
  };

  const int rows = (static_cast<int>(panels.size()) + columns - 1) / columns;
  const int used_columns = std::min<int>(columns, std::max<int>(1, static_cast<int>(panels.size())));
  const double width = used_columns * panel_width, height = header + std::max(rows, 1) * panel_height;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<text x=\"12\" y=\"24\" font-size=\"15\">{2}</text>\n",
      width, height, escape_markup(title));

  for (std::size_t p = 0; p < panels.size(); ++p) {
    const CurvePanel& panel = panels[p];
    LineChart chart;
    chart.title = panel.title;
    chart.width = panel_width;
    chart.height = panel_height;
    chart.legend = LegendPlace::inside;
    chart.x.label = "step";
    chart.x.min = 0.0;
    chart.y.logarithmic = wants_log_axis(panel);
    chart.y.label = chart.y.logarithmic ? "validation loss (log)" : "validation loss";
    for (const CurveSeries& series : panel.series) {
      ChartSeries line = make_series(series.name, colour(series.name), 1.8);
      line.points = series.points;
      chart.series.push_back(std::move(line));
    }
    const double x0 = static_cast<double>(p % columns) * panel_width;
    const double y0 = header + static_cast<double>(p / columns) * panel_height;
    svg += fmt::format("<g class=\"panel\" data-title=\"{}\" transform=\"translate({} {})\">\n",
                       escape_markup(panel.title), x0, y0);
    svg += line_chart_body(chart) + "</g>\n";
  }
  return svg + "</svg>\n";
}

}  // namespace symopt
