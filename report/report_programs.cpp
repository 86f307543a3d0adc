// The programs sections: the top programs of the hall of fame in folded form with their
// scores and their path from the warm start, and the family tree of the hall of fame.
#include "report/report_sections.h"

#include "search/search_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

namespace symopt::report {
namespace {

std::string score_bar(double score) {
  const double fraction = std::clamp(std::isfinite(score) ? std::abs(score) : 1.0, 0.0, 1.0);
  const char* side = std::isfinite(score) && score >= 0 ? "pos" : "neg";
  return fmt::format("<span class=\"bar\"><span class=\"{}\" style=\"width:{:.1f}%\"></span></span>", side, 50 * fraction);
}

std::string mutation_text(const LineageRecord& record) {
  if (record.parent_id < 0) {
    // "warm start /path/to/file.opt": the file name says enough.
    const std::string prefix = "warm start ";
    std::string text = record.mutation;
    if (text.rfind(prefix, 0) == 0) text = prefix + std::filesystem::path(text.substr(prefix.size())).filename().string();
    return text;
  }
  return record.mutation;
}

std::string lineage_item(const LineageRecord& record, const LineageRecord* parent, bool self) {
  std::string cls = record.parent_id < 0 ? "root" : "";
  std::string delta;
  if (parent) {
    const double d = record.fitness - parent->fitness;
    if (d > 5e-5) cls = "up";
    if (d < -5e-5) cls = "down";
    if (std::abs(d) > 5e-5) delta = fmt::format("<span class=\"delta fit {}\">{}{:.4f}</span>", d > 0 ? "pos" : "neg", d > 0 ? "+" : "", d);
  }
  if (self) cls = "self";
  return fmt::format("<li class=\"{}\"><span class=\"meta\">gen {} &middot; id {} &middot; eval {}</span>{}{} "
                     "<code>{}</code></li>\n",
                     cls, record.generation, record.id, format_number(static_cast<double>(record.evaluation)),
                     fitness_html(record.fitness), delta, html(mutation_text(record)));
}

// The chain from the warm start; long chains show their ends with the middle folded away.
std::string lineage_list(const std::vector<LineageRecord>& chain) {
  if (chain.empty()) return "<p class=\"muted\">No lineage kept for this program.</p>\n";
  auto items = [&](std::size_t from, std::size_t to) {
    std::string out;
    for (std::size_t i = from; i < to; ++i) out += lineage_item(chain[i], i ? &chain[i - 1] : nullptr, i + 1 == chain.size());
    return out;
  };
  std::string out = fmt::format("<h4 style=\"margin:12px 0 2px\">Lineage: {} mutation{} from {}</h4>\n", chain.size() - 1,
                                chain.size() == 2 ? "" : "s",
                                chain.front().parent_id < 0 ? "the warm start" : "the oldest kept ancestor");
  constexpr std::size_t head = 2, tail = 7;
  if (chain.size() <= head + tail + 2) return out + "<ol class=\"lineage\">\n" + items(0, chain.size()) + "</ol>\n";
  out += "<ol class=\"lineage\">\n" + items(0, head) + "</ol>\n";
  out += fmt::format("<details><summary>{} more steps</summary>\n<ol class=\"lineage\">\n{}</ol>\n</details>\n",
                     chain.size() - head - tail, items(head, chain.size() - tail));
  return out + "<ol class=\"lineage\">\n" + items(chain.size() - tail, chain.size()) + "</ol>\n";
}

std::string program_card(const RunRecord& run, const HallOfFameEntry& entry, std::size_t rank) {
  const LineageRecord& o = entry.origin;
  std::string out = fmt::format("<div class=\"program-card\" id=\"program-{}\" style=\"--rank:{}\">\n", o.id, rank_colour(rank));
  out += fmt::format("<h3><span class=\"rank\">#{}</span> {} <span class=\"tag\">{} state{}</span> <span class=\"tag\">{} ops</span> "
                     "<span class=\"muted\" style=\"font-size:12.5px;font-weight:400\">id {} &middot; generation {} &middot; "
                     "found after {} evaluations ({}) &middot; hash <code>{}</code></span></h3>\n",
                     rank + 1, fitness_html(o.fitness), o.states, o.states == 1 ? "" : "s", o.ops, o.id, o.generation,
                     format_number(static_cast<double>(o.evaluation)), html(format_duration(entry.found_at_seconds)),
                     hash_to_hex(o.hash));
  out += "<div class=\"two\">\n<div><pre class=\"program\">" + highlighted_program(folded_program(entry.program)) +
         "</pre></div>\n<div>" + task_scores_table(entry) + "</div>\n</div>\n";
  out += lineage_list(run.lineage.chain(o.id));
  return out + "</div>\n";
}

}  // namespace

std::string task_scores_table(const HallOfFameEntry& entry) {
  std::string out = "<table class=\"scores\">\n<tr><th>task</th><th class=\"num\">loss</th><th class=\"num\">AdamW</th>"
                    "<th class=\"num\">score</th><th></th></tr>\n";
  for (const TaskScore& t : entry.tasks) {
    std::string loss = t.diverged ? "<span class=\"fit neg\">diverged</span>" : format_number(t.loss, 4);
    if (t.accuracy && !t.diverged) loss += fmt::format(" <span class=\"muted\">({:.1f}% acc)</span>", 100 * *t.accuracy);
    out += fmt::format("<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                       "<td>{}</td></tr>\n",
                       html(t.task), loss, format_number(t.adamw_loss, 4), fitness_html(t.score), score_bar(t.score));
  }
  return out + "</table>\n";
}

std::string top_programs_section(const RunRecord& run, int top) {
  std::string out = section_open(
      "top-programs", "Top programs",
      fmt::format("The {} best distinct programs of the hall of fame, folded (single-use temporaries inlined, dead "
                  "code removed), with their score per task and their path from the warm start: one mutation per "
                  "step, green where it raised the fitness, red where it lowered it.",
                  std::min<std::size_t>(run.best.size(), static_cast<std::size_t>(top))));
  if (run.best.empty()) out += "<p class=\"note\">The hall of fame is empty.</p>\n";
  for (std::size_t i = 0; i < run.best.size() && i < static_cast<std::size_t>(top); ++i) out += program_card(run, run.best[i], i);
  if (!run.pareto_front.empty()) {
    out += "<h3 id=\"pareto-front\">Pareto front: fitness against memory and length</h3>\n<p class=\"lead\">Programs no "
           "other beats on all of fitness, state tensors per parameter (memory) and ops, fewest states first; Lion's "
           "case is AdamW-level fitness with one state instead of two.</p>\n<div class=\"pareto\">\n";
    for (const HallOfFameEntry& entry : run.pareto_front) {
      out += fmt::format("<div><div class=\"pareto-head\">{} <span class=\"tag\">{} state{}</span> <span class=\"tag\">{} "
                         "ops</span> <span class=\"muted\">id {}</span></div><pre class=\"program small\">{}</pre></div>\n",
                         fitness_html(entry.origin.fitness), entry.origin.states, entry.origin.states == 1 ? "" : "s",
                         entry.origin.ops, entry.origin.id, highlighted_program(folded_program(entry.program)));
    }
    out += "</div>\n";
  }
  return out + "</section>\n";
}

std::string lineage_section(const RunRecord& run, int top) {
  LineChart chart;
  chart.title = "Family tree of the hall of fame";
  chart.x.label = "evaluation at which the program was found";
  // Early generations crowd the left edge of a long run: past two decades, a log axis.
  long first = 0, last = 0;
  for (const auto& [id, record] : run.lineage.records()) {
    first = first == 0 ? record.evaluation : std::min(first, record.evaluation);
    last = std::max(last, record.evaluation);
  }
  if (first > 0 && last > 100 * std::min(first, 10L)) {
    chart.x.logarithmic = true;
    chart.x.label += " (log scale)";
  } else {
    chart.x.min = 0;
  }
  chart.y.label = "fitness (floored at -1)";
  chart.width = 1280;  // full-width figure: drawn near its natural size, so text stays small
  chart.height = 460;
  auto y_of = [](double fitness) { return std::isfinite(fitness) ? std::max(fitness, -1.0) : -1.0; };

  ChartSeries edges = make_series("", "#cbd5e1", 1.2);
  ChartSeries nodes = make_series("ancestor", "#94a3b8", 1, SeriesStyle::markers);
  nodes.marker_radius = 2.6;
  for (const auto& [id, record] : run.lineage.records()) {
    nodes.points.emplace_back(static_cast<double>(record.evaluation), y_of(record.fitness));
    nodes.point_titles.push_back(fmt::format("id {} (generation {}), fitness {:.4f}\n{}", id, record.generation,
                                             record.fitness, mutation_text(record)));
    if (const LineageRecord* parent = run.lineage.find(record.parent_id)) {
      edges.points.emplace_back(static_cast<double>(parent->evaluation), y_of(parent->fitness));
      edges.points.emplace_back(static_cast<double>(record.evaluation), y_of(record.fitness));
      edges.points.emplace_back(std::nan(""), std::nan(""));
    }
  }
  chart.series = {edges, nodes};
  // The top programs' paths drawn over the tree, worst rank first so #1 ends on top.
  const std::size_t shown = std::min(run.best.size(), static_cast<std::size_t>(top));
  for (std::size_t r = shown; r-- > 0;) {
    const std::vector<LineageRecord> chain = run.lineage.chain(run.best[r].origin.id);
    if (chain.empty()) continue;
    ChartSeries path = make_series(fmt::format("#{}", r + 1), rank_colour(r), 2.2, SeriesStyle::line_and_markers);
    path.marker_radius = 3.2;
    for (const LineageRecord& record : chain) {
      path.points.emplace_back(static_cast<double>(record.evaluation), y_of(record.fitness));
      path.point_titles.push_back(fmt::format("#{} ancestor: id {} (generation {}), fitness {:.4f}\n{}", r + 1, record.id,
                                              record.generation, record.fitness, mutation_text(record)));
    }
    chart.labels.push_back({path.points.back().first, path.points.back().second, path.name, rank_colour(r)});
    chart.series.push_back(std::move(path));
  }
  chart.references.push_back({0, "AdamW (tuned)", colour_adamw});

  std::set<long> roots;
  for (const auto& [id, record] : run.lineage.records()) {
    if (record.parent_id < 0) roots.insert(id);
  }
  std::string out = section_open(
      "lineage", "Lineage",
      fmt::format("Every kept ancestor of the hall of fame ({} programs from {} warm start{}): a dot per program at the "
                  "evaluation that produced it and its fitness, a line from each parent to its child. The paths of "
                  "the top {} programs are coloured by rank.",
                  run.lineage.size(), roots.size(), roots.size() == 1 ? "" : "s", shown));
  out += "<figure id=\"lineage-tree\" style=\"margin:0\">" + line_chart_svg(chart) + "</figure>\n</section>\n";
  return out;
}

}  // namespace symopt::report
