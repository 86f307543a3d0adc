// Multi-panel SVG line plot of loss curves: panels in two columns, linear or log y axis,
// "nice" ticks, one colour per series name across all panels.
#include "evaluator/loss_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace symopt {
namespace {

constexpr double panel_width = 480, panel_height = 320;
constexpr double margin_left = 64, margin_right = 16, margin_top = 30, margin_bottom = 40;
constexpr double header = 36;  // the figure's title
constexpr int columns = 2;
constexpr const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                   "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A step of 1, 2 or 5 times a power of ten giving about `count` ticks over the span.
double nice_step(double span, int count) {
  const double raw = span / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

// Maps data to the panel's plotting area; y in log10 when `log_y`.
struct Axes {
  double x_max = 1, y_low = 0, y_high = 1;  // y bounds in plotted units (log10 when log_y)
  bool log_y = false;
  double x0 = 0, y0 = 0, w = 0, h = 0;      // plotting area in SVG units
  double sx(double x) const { return x0 + w * x / x_max; }
  double sy(double value) const {
    const double y = log_y ? std::log10(value) : value;
    return y0 + h * (1 - (std::clamp(y, y_low, y_high) - y_low) / (y_high - y_low));
  }
};

bool plottable(const std::pair<double, double>& point) {
  return std::isfinite(point.first) && std::isfinite(point.second);
}

Axes axes_for(const CurvePanel& panel, double x0, double y0) {
  Axes axes;
  axes.x0 = x0 + margin_left;
  axes.y0 = y0 + margin_top;
  axes.w = panel_width - margin_left - margin_right;
  axes.h = panel_height - margin_top - margin_bottom;
  double low = std::numeric_limits<double>::infinity(), high = -low, x_max = 0;
  for (const CurveSeries& series : panel.series) {
    for (const auto& point : series.points) {
      if (!plottable(point)) continue;
      low = std::min(low, point.second);
      high = std::max(high, point.second);
      x_max = std::max(x_max, point.first);
    }
  }
  if (!(low <= high)) low = 0, high = 1;  // nothing to plot
  axes.x_max = x_max > 0 ? x_max : 1;
  axes.log_y = low > 0 && high / low > 3;
  if (axes.log_y) {
    axes.y_low = std::floor(std::log10(low) * 4) / 4;  // quarter decades
    axes.y_high = std::ceil(std::log10(high) * 4) / 4;
  } else {
    if (high - low < 1e-12 * std::max(1.0, std::abs(high))) low -= 0.5, high += 0.5;
    const double step = nice_step(high - low, 5);
    axes.y_low = std::floor(low / step) * step;
    axes.y_high = std::ceil(high / step) * step;
  }
  return axes;
}

std::string grid_and_labels(const Axes& axes) {
  std::string svg;
  auto y_tick = [&](double value) {
    const double y = axes.sy(value);
    svg += fmt::format("<line x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>"
                       "<text x=\"{3:.1f}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:.3g}</text>\n",
                       axes.x0, axes.x0 + axes.w, y, axes.x0 - 5, y + 4, value);
  };
  if (axes.log_y) {
    // 1, 2 and 5 per decade when the range is narrow, decades only when it is wide.
    const bool fine = axes.y_high - axes.y_low <= 2.5;
    for (int decade = static_cast<int>(std::floor(axes.y_low)); decade <= axes.y_high; ++decade) {
      for (double m : {1.0, 2.0, 5.0}) {
        if (m != 1.0 && !fine) continue;
        const double value = m * std::pow(10.0, decade);
        const double y = std::log10(value);
        if (y >= axes.y_low - 1e-9 && y <= axes.y_high + 1e-9) y_tick(value);
      }
    }
  } else {
    const double step = nice_step(axes.y_high - axes.y_low, 5);
    for (double y = axes.y_low; y <= axes.y_high + step / 2; y += step) y_tick(std::abs(y) < step / 1e6 ? 0.0 : y);
  }
  const double x_step = nice_step(axes.x_max, 5);
  for (double x = 0; x <= axes.x_max + x_step / 1e6; x += x_step) {
    svg += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4:g}</text>\n",
                       axes.sx(x), axes.y0, axes.y0 + axes.h, axes.y0 + axes.h + 15, x);
  }
  svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#888\"/>\n",
                     axes.x0, axes.y0, axes.w, axes.h);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">step</text>\n", axes.x0 + axes.w / 2,
                     axes.y0 + axes.h + 32);
  svg += fmt::format("<text transform=\"translate({:.1f} {:.1f}) rotate(-90)\" text-anchor=\"middle\">"
                     "validation loss{}</text>\n",
                     axes.x0 - 48, axes.y0 + axes.h / 2, axes.log_y ? " (log)" : "");
  return svg;
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
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"12\" y=\"24\" font-size=\"15\">{2}</text>\n",
      width, height, escaped(title));

  for (std::size_t p = 0; p < panels.size(); ++p) {
    const CurvePanel& panel = panels[p];
    const double x0 = static_cast<double>(p % columns) * panel_width;
    const double y0 = header + static_cast<double>(p / columns) * panel_height;
    const Axes axes = axes_for(panel, x0, y0);
    svg += fmt::format("<g class=\"panel\" data-title=\"{}\">\n", escaped(panel.title));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"13\">{}</text>\n", axes.x0, y0 + 20,
                       escaped(panel.title));
    svg += grid_and_labels(axes);
    for (std::size_t s = 0; s < panel.series.size(); ++s) {
      const CurveSeries& series = panel.series[s];
      std::string path;
      for (const auto& point : series.points) {
        if (!plottable(point) || (axes.log_y && point.second <= 0)) continue;
        path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", axes.sx(point.first), axes.sy(point.second));
      }
      svg += fmt::format("<path class=\"curve\" data-series=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\" "
                         "d=\"{}\"/>\n",
                         escaped(series.name), colour(series.name), path.empty() ? "M0,0" : path);
      // Legend, top right of the plotting area.
      const double ly = axes.y0 + 14 + 15 * static_cast<double>(s), lx = axes.x0 + axes.w - 170;
      const std::string label = series.name.size() <= 24 ? series.name : "..." + series.name.substr(series.name.size() - 21);
      svg += fmt::format("<line x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\" "
                         "stroke-width=\"2\"/><text x=\"{4:.1f}\" y=\"{5:.1f}\">{6}</text>\n",
                         lx, lx + 20, ly, colour(series.name), lx + 25, ly + 4, escaped(label));
    }
    svg += "</g>\n";
  }
  return svg + "</svg>\n";
}

}  // namespace symopt
