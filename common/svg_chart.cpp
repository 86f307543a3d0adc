// The chart drawing: ranges and ticks per axis, then grid, series, references, legend.
#include "common/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace symopt {
namespace {

constexpr double margin_left = 66, margin_right = 22, margin_top = 58, margin_bottom = 48;
constexpr double character_width = 7.2;  // of the 12px sans-serif labels, for the legend layout

// One axis: its data range in "transformed" units (log10 when logarithmic) and its ticks.
struct Scale {
  bool logarithmic = false;
  double low = 0, high = 1;  // transformed
  std::vector<double> ticks;  // data units
  double transform(double v) const { return logarithmic ? std::log10(v) : v; }
  double fraction(double v) const {
    const double t = transform(clamp(v));
    return (t - low) / (high - low);
  }
  double clamp(double v) const {
    const double lo = logarithmic ? std::pow(10.0, low) : low, hi = logarithmic ? std::pow(10.0, high) : high;
    return std::clamp(v, lo, hi);
  }
};

// The largest of 1, 2, 5 times a power of ten not above v (down) or the smallest not below (up).
double nice_bound(double v, bool up) {
  const double decade = std::pow(10.0, std::floor(std::log10(v)));
  const double candidates[] = {1, 2, 5, 10};
  if (up) {
    for (double m : candidates) {
      if (m * decade >= v * (1 - 1e-12)) return m * decade;
    }
    return 10 * decade;
  }
  for (int i = 3; i >= 0; --i) {
    if (candidates[i] * decade <= v * (1 + 1e-12)) return candidates[i] * decade;
  }
  return decade;
}

// `round_ends`: widen the range to whole ticks (y axes); x axes end at the data, so a run of
// 61 seconds is not drawn on an axis to 80.
Scale make_scale(const ChartAxis& axis, std::vector<double> values, int tick_count, bool round_ends) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
  double lo = axis.min.value_or(values.empty() ? 0.0 : *std::min_element(values.begin(), values.end()));
  double hi = axis.max.value_or(values.empty() ? 1.0 : *std::max_element(values.begin(), values.end()));
  if (axis.min && !axis.max && hi < lo) hi = lo + 1;
  if (axis.max && !axis.min && lo > hi) lo = hi - 1;
  Scale scale;
  scale.logarithmic = axis.logarithmic && lo > 0 && hi > 0;
  if (scale.logarithmic) {
    if (hi / lo < 1.5) lo /= 1.25, hi *= 1.25;
    if (!axis.min && round_ends) lo = nice_bound(lo, false);
    if (!axis.max && round_ends) hi = nice_bound(hi, true);
    scale.low = std::log10(lo);
    scale.high = std::log10(hi);
    const bool decades_only = scale.high - scale.low > 2.5;
    for (double decade = std::pow(10.0, std::floor(scale.low)); decade <= hi * (1 + 1e-9); decade *= 10) {
      for (double m : {1.0, 2.0, 5.0}) {
        if (decades_only && m != 1.0) continue;
        const double tick = m * decade;
        if (tick >= lo * (1 - 1e-9) && tick <= hi * (1 + 1e-9)) scale.ticks.push_back(tick);
      }
    }
    return scale;
  }
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
    const double pad = std::max(std::abs(hi) * 0.05, 0.05);
    if (!axis.min) lo -= pad;
    if (!axis.max) hi += pad;
  }
  const double step = nice_step(hi - lo, tick_count);
  if (!axis.min && round_ends) lo = std::floor(lo / step + 1e-9) * step;
  if (!axis.max && round_ends) hi = std::ceil(hi / step - 1e-9) * step;
  scale.low = lo;
  scale.high = hi;
  for (double tick = std::ceil(lo / step - 1e-9) * step; tick <= hi + step * 1e-6; tick += step) {
    scale.ticks.push_back(std::abs(tick) < step * 1e-9 ? 0.0 : tick);
  }
  return scale;
}

std::string tick_text(double value, TickFormat format) {
  if (format == TickFormat::percent) return format_number(100 * value) + "%";
  return format_number(value);
}

std::string group_thousands(long long value) {
  const std::string digits = std::to_string(std::llabs(value));
  std::string out = value < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// A legend entry's sample: a dot for markers, a short (dashed) line otherwise; y is the
// text's baseline.
std::string legend_sample(const ChartSeries& series, double x, double y) {
  if (series.style == SeriesStyle::markers) {
    return fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"{}\"/>", x + 9, y - 4,
                       escape_markup(series.colour));
  }
  return fmt::format("<line x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\" stroke-width=\"3\"{4}/>",
                     x, x + 20, y - 4, escape_markup(series.colour), series.dashed ? " stroke-dasharray=\"5 3\"" : "");
}

std::string legend_group(const std::string& entries) {
  return entries.empty() ? std::string() : "<g class=\"legend\">" + entries + "</g>\n";
}

// One row ending at `right`, in series order.
std::string legend_row(const std::vector<ChartSeries>& series, double right, double y) {
  double x = right;
  std::string legend;
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    if (it->name.empty()) continue;
    x -= 26 + character_width * static_cast<double>(it->name.size()) + 24;
    legend += legend_sample(*it, x, y) +
              fmt::format("<text x=\"{:.1f}\" y=\"{}\" fill=\"#374151\">{}</text>", x + 26, y, escape_markup(it->name));
  }
  return legend_group(legend);
}

// One entry per line from (x, y) down; long names keep their end (a file name).
std::string legend_column(const std::vector<ChartSeries>& series, double x, double y) {
  constexpr std::size_t longest = 24;
  std::string legend;
  for (const ChartSeries& s : series) {
    if (s.name.empty()) continue;
    const std::string text = s.name.size() <= longest ? s.name : "..." + s.name.substr(s.name.size() - (longest - 3));
    legend += legend_sample(s, x, y + 4) +
              fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#374151\">{}</text>", x + 26, y + 4, escape_markup(text));
    y += 15;
  }
  return legend_group(legend);
}

}  // namespace

ChartSeries make_series(std::string name, std::string colour, double stroke_width, SeriesStyle style) {
  ChartSeries series;
  series.name = std::move(name);
  series.colour = std::move(colour);
  series.stroke_width = stroke_width;
  series.style = style;
  return series;
}

double nice_step(double span, int count) {
  if (!(span > 0)) return 1;
  const double raw = span / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

std::string escape_markup(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_number(double value, int significant) {
  if (std::isnan(value)) return "n/a";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return "0";
  const double magnitude = std::abs(value);
  // Counts and large axis ticks read best as whole numbers with separators: 2,480 not 2.48e+03.
  if (magnitude >= 1000 && magnitude < 1e15) return group_thousands(static_cast<long long>(std::llround(value)));
  if (magnitude < 1e-3) return fmt::format("{:.{}e}", value, std::max(0, significant - 1));
  return fmt::format("{:.{}g}", value, significant);
}

std::string line_chart_svg(const LineChart& chart) {
  return fmt::format(
             "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{0}\" width=\"{1}\" height=\"{2}\" "
             "viewBox=\"0 0 {1} {2}\" role=\"img\" aria-label=\"{3}\" "
             "font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" font-size=\"12\">\n"
             "<title>{3}</title>\n",
             escape_markup(chart.css_class), chart.width, chart.height, escape_markup(chart.title)) +
         line_chart_body(chart) + "</svg>\n";
}

std::string line_chart_body(const LineChart& chart) {
  std::vector<double> xs, ys;
  for (const ChartSeries& s : chart.series) {
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      xs.push_back(x);
      ys.push_back(y);
    }
  }
  const bool empty = xs.empty();
  for (const ReferenceLine& r : chart.references) ys.push_back(r.y);
  const Scale sx = make_scale(chart.x, xs, 6, false), sy = make_scale(chart.y, ys, 5, true);
  const double w = chart.width, h = chart.height;
  const double plot_w = w - margin_left - margin_right, plot_h = h - margin_top - margin_bottom;
  auto px = [&](double x) { return margin_left + plot_w * sx.fraction(x); };
  auto py = [&](double y) { return margin_top + plot_h * (1 - sy.fraction(y)); };

  std::string svg = fmt::format(
      "<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n"
      "<text x=\"{}\" y=\"22\" font-size=\"15\" font-weight=\"600\" fill=\"#111827\">{}</text>\n",
      w, h, margin_left, escape_markup(chart.title));

  // Grid and tick labels.
  for (double tick : sy.ticks) {
    svg += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#e5e7eb\"/>"
                       "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\" fill=\"#4b5563\">{5}</text>\n",
                       margin_left, w - margin_right, py(tick), margin_left - 8, py(tick) + 4,
                       tick_text(tick, chart.y.format));
  }
  for (double tick : sx.ticks) {
    svg += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#e5e7eb\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\" fill=\"#4b5563\">{4}</text>\n",
                       px(tick), margin_top, h - margin_bottom, h - margin_bottom + 17, tick_text(tick, chart.x.format));
  }
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#9ca3af\"/>\n",
                     margin_left, margin_top, plot_w, plot_h);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" fill=\"#374151\">{}</text>\n",
                     margin_left + plot_w / 2, h - 10, escape_markup(chart.x.label));
  svg += fmt::format("<text transform=\"translate(16 {:.1f}) rotate(-90)\" text-anchor=\"middle\" fill=\"#374151\">{}</text>\n",
                     margin_top + plot_h / 2, escape_markup(chart.y.label));
  if (empty) {
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"#9ca3af\" font-size=\"14\">no data</text>\n",
                       margin_left + plot_w / 2, margin_top + plot_h / 2);
  }

  for (const ReferenceLine& r : chart.references) {
    svg += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\" stroke-dasharray=\"6 4\"/>"
                       "<text x=\"{4}\" y=\"{5:.1f}\" text-anchor=\"end\" fill=\"{3}\" font-size=\"11\">{6}</text>\n",
                       margin_left, w - margin_right, py(r.y), escape_markup(r.colour), w - margin_right - 4,
                       py(r.y) - 4, escape_markup(r.label));
  }

  for (const ChartSeries& s : chart.series) {
    const std::string name = escape_markup(s.name);
    if (s.style != SeriesStyle::markers) {
      std::string path;
      bool pen_down = false;
      for (const auto& [x, y] : s.points) {
        if (!std::isfinite(x) || !std::isfinite(y)) {
          pen_down = false;
          continue;
        }
        path += fmt::format("{}{:.1f},{:.1f}", pen_down ? " L" : (path.empty() ? "M" : " M"), px(x), py(y));
        pen_down = true;
      }
      if (!path.empty()) {
        svg += fmt::format("<path class=\"series\" data-name=\"{}\" d=\"{}\" fill=\"none\" stroke=\"{}\" "
                           "stroke-width=\"{}\" stroke-linejoin=\"round\" stroke-linecap=\"round\" opacity=\"{}\"{}/>\n",
                           name, path, escape_markup(s.colour), s.stroke_width, s.opacity,
                           s.dashed ? " stroke-dasharray=\"5 4\"" : "");
      }
    }
    if (s.style != SeriesStyle::line) {
      svg += fmt::format("<g class=\"markers\" data-name=\"{}\" fill=\"{}\" opacity=\"{}\">", name, escape_markup(s.colour),
                         s.opacity);
      for (std::size_t i = 0; i < s.points.size(); ++i) {
        const auto& [x, y] = s.points[i];
        if (!std::isfinite(x) || !std::isfinite(y)) continue;
        const std::string title = i < s.point_titles.size() ? escape_markup(s.point_titles[i]) : "";
        svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\">{}</circle>", px(x), py(y), s.marker_radius,
                           title.empty() ? "" : "<title>" + title + "</title>");
      }
      svg += "</g>\n";
    }
  }

  // Labels move up until they no longer cover an earlier one.
  std::vector<std::array<double, 4>> placed;  // x0, y0, x1, y1 of each label drawn
  for (const PointLabel& label : chart.labels) {
    if (!std::isfinite(label.x) || !std::isfinite(label.y)) continue;
    const double x = px(label.x) + 6, text_width = character_width * static_cast<double>(label.text.size());
    double y = py(label.y) - 6;
    for (bool moved = true; moved;) {
      moved = false;
      for (const auto& box : placed) {
        if (x < box[2] && x + text_width > box[0] && y > box[1] && y - 11 < box[3]) {
          y = box[1] - 1;
          moved = true;
        }
      }
    }
    placed.push_back({x, y - 11, x + text_width, y});
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"{}\" font-size=\"11\" font-weight=\"600\" "
                       "paint-order=\"stroke\" stroke=\"#ffffff\" stroke-width=\"3\">{}</text>\n",
                       x, y, escape_markup(label.colour), escape_markup(label.text));
  }

  if (chart.legend == LegendPlace::inside) return svg + legend_column(chart.series, w - margin_right - 170, margin_top + 14);
  return svg + legend_row(chart.series, w - margin_right, 42);
}

}  // namespace symopt
