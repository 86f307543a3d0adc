// `symopt report`: a run directory as one self-contained HTML page (inline CSS and SVG; no
// scripts, no network): progress, search health, the best programs with their lineage, and
// the best program's loss curves against AdamW and Lion.
#pragma once

#include "report/reference_curves.h"
#include "report/run_record.h"

#include <optional>
#include <string>
#include <vector>

namespace symopt {

struct ReportOptions {
  int top = 5;                 // programs shown with their lineage
  std::string generated_at;    // e.g. "2026-11-23 10:40 UTC"; empty: left out
  // Shown in the loss-curves section when there are no curves (why they are missing).
  std::string curves_note = "not computed";
};

// The id of every <section> of the page, in page order.
const std::vector<std::string>& report_section_ids();

std::string render_run_report(const RunRecord& run, const std::optional<std::vector<TaskCurves>>& curves,
                              const ReportOptions& options);

}  // namespace symopt
