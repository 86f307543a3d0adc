// The progress sections from log.jsonl: best and median fitness against evaluations and
// against wall time, and the search's health (rejected and cached shares, throughput).
#include "report/report_sections.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace symopt::report {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// The median of a young population sits at the worst fitness (-1) for long; anything lower
// (a synthetic fitness) is drawn at -1, the floor of the scale.
double floored(double fitness) { return std::isfinite(fitness) ? std::max(fitness, -1.0) : nan; }

struct Improvement {
  long evaluation = 0;
  double seconds = 0;
  double fitness = 0;
  std::string title;
};

// Every program that raised the best fitness, in run order: from discoveries.jsonl, else
// from the lineage (which keeps only the ancestors of the hall of fame).
std::vector<Improvement> improvements(const RunRecord& run) {
  std::vector<Improvement> out;
  double best = -std::numeric_limits<double>::infinity();
  auto consider = [&](const LineageRecord& origin, double seconds) {
    if (!(origin.fitness > best)) return;
    best = origin.fitness;
    out.push_back({origin.evaluation, seconds, origin.fitness,
                   fmt::format("id {} (generation {}), fitness {:.4f} after {} evaluations\n{}", origin.id,
                               origin.generation, origin.fitness, origin.evaluation, origin.mutation)});
  };
  if (!run.discoveries.empty()) {
    // The file is in the order programs were filed; a parallel batch files them out of
    // evaluation order, so sort to get the best so far at each evaluation.
    std::vector<const HallOfFameEntry*> entries;
    for (const HallOfFameEntry& entry : run.discoveries) entries.push_back(&entry);
    std::stable_sort(entries.begin(), entries.end(), [](const HallOfFameEntry* a, const HallOfFameEntry* b) {
      return a->origin.evaluation < b->origin.evaluation;
    });
    for (const HallOfFameEntry* entry : entries) consider(entry->origin, entry->found_at_seconds);
    return out;
  }
  std::vector<LineageRecord> records;
  for (const auto& [id, record] : run.lineage.records()) records.push_back(record);
  std::sort(records.begin(), records.end(),
            [](const LineageRecord& a, const LineageRecord& b) { return a.evaluation < b.evaluation; });
  for (const LineageRecord& record : records) consider(record, nan);
  return out;
}

LineChart fitness_chart(const RunRecord& run, bool against_time, const TimeUnit& unit) {
  LineChart chart;
  chart.title = against_time ? "Fitness against wall time" : "Fitness against evaluations";
  chart.x.label = against_time ? unit.name : "evaluations";
  // Most progress comes early: against evaluations, a run spanning more than two decades is
  // drawn on a log axis (the wall-time chart stays linear), so both views are on the page.
  const bool log_x = !against_time && !run.progress.empty() && run.progress.front().evaluations > 0 &&
                     run.progress.back().evaluations > 100 * std::max(1L, std::min(run.progress.front().evaluations, 10L));
  if (log_x) {
    chart.x.logarithmic = true;
    chart.x.label = "evaluations (log scale)";
  } else {
    chart.x.min = 0;
  }
  chart.y.label = "fitness (0 = tuned AdamW)";
  ChartSeries median = make_series("population median", colour_median, 2);
  ChartSeries best = make_series("best", colour_best, 2.5);
  for (const ProgressSample& s : run.progress) {
    const double x = against_time ? s.seconds / unit.seconds_per_unit : static_cast<double>(s.evaluations);
    median.points.emplace_back(x, floored(s.median_fitness));
    best.points.emplace_back(x, floored(s.best_fitness));
  }
  if (run.progress.size() < 12) {
    median.style = best.style = SeriesStyle::line_and_markers;
  }
  ChartSeries found = make_series("new best program", "#1e3a8a", 1, SeriesStyle::markers);
  found.marker_radius = 4.5;
  for (const Improvement& i : improvements(run)) {
    const double x = against_time ? i.seconds / unit.seconds_per_unit : static_cast<double>(i.evaluation);
    if (!std::isfinite(x) || (log_x && x <= 0)) continue;
    found.points.emplace_back(x, floored(i.fitness));
    found.point_titles.push_back(i.title);
  }
  // With every discovery logged (discoveries.jsonl), the best so far is known exactly: a
  // staircase through the discoveries, held to the last tick, rather than a line between
  // ticks that would cut the corners.
  if (!run.discoveries.empty() && !found.points.empty()) {
    const double end = best.points.empty() ? found.points.back().first : best.points.back().first;
    best.points.clear();
    for (std::size_t i = 0; i < found.points.size(); ++i) {
      if (i > 0) best.points.emplace_back(found.points[i].first, found.points[i - 1].second);
      best.points.push_back(found.points[i]);
    }
    if (end > found.points.back().first) best.points.emplace_back(end, found.points.back().second);
    best.style = SeriesStyle::line;
  }
  chart.series = {median, best};
  if (!found.points.empty()) chart.series.push_back(found);
  chart.references.push_back({0, "AdamW (tuned)", colour_adamw});
  return chart;
}

}  // namespace

std::string fitness_section(const RunRecord& run) {
  const TimeUnit unit = time_unit_for(run.progress.empty() ? run.elapsed_seconds : run.progress.back().seconds);
  std::string lead = run.discoveries.empty()
                         ? "Best and population-median fitness at every progress tick of <code>log.jsonl</code>. "
                         : "Population-median fitness at every progress tick of <code>log.jsonl</code>; the best so "
                           "far from every discovery of <code>discoveries.jsonl</code>. ";
  const auto found = improvements(run);
  if (!found.empty()) {
    lead += fmt::format("The best program improved {} time{}, from {} to {}; hover over a marker for the mutation "
                        "that made the step.",
                        found.size() - 1, found.size() == 2 ? "" : "s", fitness_html(found.front().fitness),
                        fitness_html(found.back().fitness));
  }
  std::string out = section_open("fitness", "Fitness over the run", lead);
  if (run.progress.empty()) {
    out += "<p class=\"note\">The progress log is empty: the run stopped before its first progress tick.</p>\n";
  }
  out += "<div class=\"charts\">\n";
  out += "<figure id=\"fitness-by-evaluations\">" + line_chart_svg(fitness_chart(run, false, unit)) + "</figure>\n";
  out += "<figure id=\"fitness-by-time\">" + line_chart_svg(fitness_chart(run, true, unit)) + "</figure>\n";
  out += "</div>\n</section>\n";
  return out;
}

std::string search_health_section(const RunRecord& run) {
  const TimeUnit unit = time_unit_for(run.progress.empty() ? run.elapsed_seconds : run.progress.back().seconds);
  LineChart shares;
  shares.title = "Rejected and cached shares over time";
  shares.x.label = unit.name;
  shares.x.min = 0;
  shares.y.label = "share";
  shares.y.min = 0;
  shares.y.format = TickFormat::percent;
  ChartSeries rejected = make_series("rejected (cumulative)", colour_rejected, 2.5);
  ChartSeries cached = make_series("cached (cumulative)", colour_cached, 2.5);
  ChartSeries rejected_now = make_series("rejected (per tick)", colour_rejected, 1.2);
  ChartSeries cached_now = make_series("cached (per tick)", colour_cached, 1.2);
  for (ChartSeries* s : {&rejected_now, &cached_now}) {
    s->dashed = true;
    s->opacity = 0.55;
  }
  LineChart speed;
  speed.title = "Throughput";
  speed.x.label = unit.name;
  speed.x.min = 0;
  speed.y.label = "evaluations per second";
  speed.y.min = 0;
  ChartSeries rate = make_series("evaluations / s (per tick)", "#0891b2", 2);
  const ProgressSample* previous = nullptr;
  for (const ProgressSample& s : run.progress) {
    const double x = s.seconds / unit.seconds_per_unit;
    rejected.points.emplace_back(x, s.rejected_share);
    cached.points.emplace_back(x, s.cached_share);
    const double d_candidates = static_cast<double>(s.candidates - (previous ? previous->candidates : 0));
    const double d_evaluations = static_cast<double>(s.evaluations - (previous ? previous->evaluations : 0));
    rejected_now.points.emplace_back(x, d_candidates > 0 ? static_cast<double>(s.rejected - (previous ? previous->rejected : 0)) / d_candidates : nan);
    cached_now.points.emplace_back(x, d_evaluations > 0 ? static_cast<double>(s.cached - (previous ? previous->cached : 0)) / d_evaluations : nan);
    rate.points.emplace_back(x, s.evaluations_per_second);
    previous = &s;
  }
  if (run.progress.size() < 12) {
    for (ChartSeries* s : {&rejected, &cached, &rate}) s->style = SeriesStyle::line_and_markers;
  }
  shares.series = {rejected_now, cached_now, rejected, cached};
  speed.series = {rate};

  std::string lead =
      "<b>Rejected</b>: candidates the analyzer refused (type errors, no update, over the size cap) before any training, "
      "as a share of the candidates made. <b>Cached</b>: evaluations answered by the fitness cache (same structure or "
      "same behaviour on probe gradients) instead of training, as a share of the evaluations. Dashed: the share within "
      "each progress tick.";
  std::string out = section_open("search-health", "Search health", lead);
  out += "<div class=\"charts\">\n";
  out += "<figure id=\"shares-over-time\">" + line_chart_svg(shares) + "</figure>\n";
  out += "<figure id=\"throughput\">" + line_chart_svg(speed) + "</figure>\n";
  out += "</div>\n</section>\n";
  return out;
}

}  // namespace symopt::report
