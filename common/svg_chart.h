// The one SVG line chart of the project (the report, the run directory's fitness plot, the
// eval loss curves): series (lines or markers) over linear or logarithmic axes with "nice"
// ticks, reference lines, labels, a legend and hover titles.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace symopt {

enum class SeriesStyle { line, markers, line_and_markers };
enum class TickFormat { number, percent };
// above: one row under the title, right-aligned; inside: a column at the top right of the
// plotting area, names cut to their last 24 characters (for narrow panels).
enum class LegendPlace { above, inside };

struct ChartSeries {
  std::string name;  // legend entry; empty: left out of the legend
  std::vector<std::pair<double, double>> points;  // (x, y); non-finite points break the line
  std::string colour = "#2563eb";
  double stroke_width = 2;
  bool dashed = false;
  double opacity = 1;
  SeriesStyle style = SeriesStyle::line;
  double marker_radius = 3;
  std::vector<std::string> point_titles;  // hover text per point (markers only), optional
};

// A series with its legend name, colour and line width; set the other fields as needed.
ChartSeries make_series(std::string name, std::string colour, double stroke_width = 2,
                        SeriesStyle style = SeriesStyle::line);

struct ChartAxis {
  std::string label;
  bool logarithmic = false;  // ignored when a value is not positive
  std::optional<double> min, max;  // forced range; values outside are clipped to it
  TickFormat format = TickFormat::number;
};

struct ReferenceLine {
  double y = 0;
  std::string label;
  std::string colour = "#6b7280";
};

struct PointLabel {
  double x = 0, y = 0;
  std::string text;
  std::string colour = "#111827";
};

struct LineChart {
  std::string title;
  ChartAxis x, y;
  std::vector<ChartSeries> series;
  std::vector<ReferenceLine> references;
  std::vector<PointLabel> labels;
  double width = 760, height = 360;
  std::string css_class = "chart";
  LegendPlace legend = LegendPlace::above;
};

// Without any finite point the chart is drawn with an empty frame and says "no data".
std::string line_chart_svg(const LineChart& chart);
// The same drawing without the enclosing <svg> element, in coordinates 0..width x
// 0..height: for figures that place several charts, each in a translated <g>.
std::string line_chart_body(const LineChart& chart);

// A step of 1, 2 or 5 times a power of ten giving about `count` ticks over the span.
double nice_step(double span, int count);
// Escapes text for XML and HTML content and attribute values.
std::string escape_markup(const std::string& text);
// A compact number for axes and tables: 0.0123, 1.5e-05, 12,345.
std::string format_number(double value, int significant = 3);

}  // namespace symopt
