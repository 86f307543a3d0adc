// The page: head with the style sheet, the header, a table of contents, the sections in
// order, and a footer.
#include "report/run_report.h"

#include "report/report_sections.h"

#include <fmt/format.h>

namespace symopt {

const std::vector<std::string>& report_section_ids() {
  static const std::vector<std::string> ids = {"summary", "fitness", "search-health", "top-programs",
                                               "lineage", "loss-curves", "configuration"};
  return ids;
}

std::string render_run_report(const RunRecord& run, const std::optional<std::vector<TaskCurves>>& curves,
                              const ReportOptions& options) {
  using namespace report;
  const int top = std::max(1, options.top);
  std::string page = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>symopt run {}</title>\n<style>{}</style>\n</head>\n<body>\n",
      html(run.run_id), page_css());
  page += header_html(run, options.generated_at);
  page += "<nav class=\"toc\">";
  const char* titles[] = {"Summary", "Fitness", "Search health", "Top programs", "Lineage", "Loss curves",
                          "Configuration"};
  for (std::size_t i = 0; i < report_section_ids().size(); ++i) {
    page += fmt::format("<a href=\"#{}\">{}</a>", report_section_ids()[i], titles[i]);
  }
  page += "</nav>\n<main>\n";
  page += summary_section(run);
  page += fitness_section(run);
  page += search_health_section(run);
  page += top_programs_section(run, top);
  page += lineage_section(run, top);
  page += loss_curves_section(run, curves, options.curves_note);
  page += configuration_section(run);
  page += fmt::format(
      "</main>\n<footer id=\"report-end\">Made by <code>symopt report</code>{}{} from <code>{}</code>. "
      "Self-contained: inline CSS and SVG, no scripts, no network. Hover over a marker for details.</footer>\n"
      "</body>\n</html>\n",
      run.version.empty() ? "" : " (symopt " + html(run.version) + ")",
      options.generated_at.empty() ? "" : " on " + html(options.generated_at), html(run.directory.string()));
  return page;
}

}  // namespace symopt
