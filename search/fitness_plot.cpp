// A minimal SVG line plot: two series over one time axis, "nice" tick values, a legend.
#include "search/fitness_plot.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace symopt {
namespace {

constexpr double width = 720, height = 420;
constexpr double left = 70, right = 20, top = 40, bottom = 50;

// A step of 1, 2 or 5 times a power of ten giving about `count` ticks over the span.
double nice_step(double span, int count) {
  const double raw = span / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

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

}  // namespace

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
  double x_max = 1e-3, y_min = 0, y_max = 0;
  bool first = true;
  for (const FitnessPoint& p : points) {
    x_max = std::max(x_max, p.minutes);
    // The median of a young population sits at the worst fitness for long; -1 is the floor
    // of the fitness scale, anything lower (a synthetic fitness) is clipped to it.
    for (double y : {p.best, std::max(p.median, -1.0)}) {
      y_min = first ? y : std::min(y_min, y);
      y_max = first ? y : std::max(y_max, y);
      first = false;
    }
  }
  if (y_max - y_min < 1e-6) y_min -= 0.05, y_max += 0.05;
  const double y_step = nice_step(y_max - y_min, 5), x_step = nice_step(x_max, 6);
  y_min = std::floor(y_min / y_step) * y_step;
  y_max = std::ceil(y_max / y_step) * y_step;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  auto sx = [&](double x) { return left + plot_w * x / x_max; };
  auto sy = [&](double y) { return top + plot_h * (1 - (std::clamp(y, y_min, y_max) - y_min) / (y_max - y_min)); };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"24\" font-size=\"15\">{3}</text>\n",
      width, height, left, escaped(title));
  for (double y = y_min; y <= y_max + y_step / 2; y += y_step) {
    svg += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>"
                       "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:.3g}</text>\n",
                       left, width - right, sy(y), left - 6, sy(y) + 4, std::abs(y) < y_step / 1e6 ? 0.0 : y);
  }
  for (double x = 0; x <= x_max + x_step / 1e6; x += x_step) {
    svg += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#ddd\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4:.3g}</text>\n",
                       sx(x), top, height - bottom, height - bottom + 16, x);
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">minutes</text>\n", left + plot_w / 2, height - 12);
  svg += fmt::format("<text transform=\"translate(16 {}) rotate(-90)\" text-anchor=\"middle\">fitness (0 = AdamW)</text>\n",
                     top + plot_h / 2);
  auto polyline = [&](auto value, const char* colour) {
    std::string coordinates;
    for (const FitnessPoint& p : points) coordinates += fmt::format("{:.1f},{:.1f} ", sx(p.minutes), sy(value(p)));
    return fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", colour, coordinates);
  };
  svg += polyline([](const FitnessPoint& p) { return p.median; }, "#999");
  svg += polyline([](const FitnessPoint& p) { return p.best; }, "#1f5fbf");
  svg += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#1f5fbf\" stroke-width=\"2\"/>"
                     "<text x=\"{3}\" y=\"{4}\">best</text>\n"
                     "<line x1=\"{0}\" x2=\"{1}\" y1=\"{5}\" y2=\"{5}\" stroke=\"#999\" stroke-width=\"2\"/>"
                     "<text x=\"{3}\" y=\"{6}\">population median</text>\n",
                     width - right - 170, width - right - 145, top + 12, width - right - 140, top + 16, top + 30, top + 34);
  return svg + "</svg>\n";
}

}  // namespace symopt
