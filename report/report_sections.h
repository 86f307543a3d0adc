// The pieces of the report page, each a function returning an HTML fragment; the page
// (report/run_report.cpp) puts them in order. Internal to report/.
#pragma once

#include "common/svg_chart.h"
#include "report/reference_curves.h"
#include "report/run_record.h"

#include <optional>
#include <string>
#include <vector>

namespace symopt::report {

// The report's colours: one per role, shared by charts, legends and tables.
inline constexpr const char* colour_best = "#2563eb";
inline constexpr const char* colour_median = "#9ca3af";
inline constexpr const char* colour_adamw = "#f97316";
inline constexpr const char* colour_lion = "#16a34a";
inline constexpr const char* colour_rejected = "#dc2626";
inline constexpr const char* colour_cached = "#7c3aed";
// Ranks #1, #2, ... of the top programs.
const std::string& rank_colour(std::size_t rank);

// Seconds, minutes or hours, whichever reads best for a run of this length.
struct TimeUnit {
  double seconds_per_unit = 1;
  std::string name;  // "seconds", "minutes", "hours"
};
TimeUnit time_unit_for(double longest_seconds);

std::string html(const std::string& text);  // escaped
// The folded, readable form of a canonical program text (dsl/printer.h print_folded); the
// text itself when it does not parse.
std::string folded_program(const std::string& canonical_text);
// A DSL program with keywords, ops, numbers and comments wrapped in <span class="...">.
std::string highlighted_program(const std::string& text);
// A signed fitness with a colour class: "pos", "neg" or "zero".
std::string fitness_html(double value);
std::string section_open(const std::string& id, const std::string& title, const std::string& lead);
// Per task: loss, AdamW's loss, and the bounded score as a signed bar.
std::string task_scores_table(const HallOfFameEntry& entry);

std::string header_html(const RunRecord& run, const std::string& generated_at);
std::string summary_section(const RunRecord& run);
std::string fitness_section(const RunRecord& run);
std::string search_health_section(const RunRecord& run);
std::string top_programs_section(const RunRecord& run, int top);
std::string lineage_section(const RunRecord& run, int top);
std::string loss_curves_section(const RunRecord& run, const std::optional<std::vector<TaskCurves>>& curves,
                                const std::string& note);
std::string configuration_section(const RunRecord& run);
std::string page_css();

}  // namespace symopt::report
