// `symopt report RUN_DIR [--out FILE.html] [--top K] [--no-curves] [--curve-points N]
// [--threads N] [--json]`: the run as one self-contained HTML page (report/run_report.h).
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/input_error.h"
#include "dsl/analyzer.h"
#include "dsl/parser.h"
#include "report/run_report.h"
#include "search/lineage.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <optional>

namespace symopt::cli {
namespace {

namespace fs = std::filesystem;

struct Options {
  std::string run_directory;
  std::string out;  // empty: RUN_DIR/report.html
  int top = 5;
  bool no_curves = false;
  int curve_points = 40;
  int threads = 0;
  bool json = false;
};

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  return fmt::format("{:%Y-%m-%d %H:%M} UTC", utc);
}

nlohmann::json curves_json(const std::vector<TaskCurves>& curves) {
  nlohmann::json out = nlohmann::json::array();
  for (const TaskCurves& task : curves) {
    nlohmann::json optimizers = nlohmann::json::array();
    for (const OptimizerCurve& o : task.optimizers) {
      optimizers.push_back({{"name", o.name},
                            {"learning_rate", o.learning_rate},
                            {"how_tuned", o.how_tuned},
                            {"diverged", o.diverged},
                            {"loss", finite_or_null(o.loss)},
                            {"accuracy", o.accuracy ? nlohmann::json(*o.accuracy) : nlohmann::json()},
                            {"curve_points", o.curve.size()}});
    }
    out.push_back({{"task", task.task.name}, {"steps", task.task.steps}, {"optimizers", optimizers}});
  }
  return out;
}

void run_report(const Options& o) {
  const RunRecord run = read_run_record(o.run_directory);
  const fs::path out = o.out.empty() ? fs::path(o.run_directory) / "report.html" : fs::path(o.out);

  std::optional<std::vector<TaskCurves>> curves;
  ReportOptions options;
  options.top = o.top;
  options.generated_at = utc_now();
  if (o.no_curves) {
    options.curves_note = "not computed (symopt report was run with --no-curves)";
  } else if (run.best.empty()) {
    options.curves_note = "no program to train (the hall of fame is empty)";
  } else {
    std::optional<tbb::global_control> thread_limit;
    if (o.threads > 0) thread_limit.emplace(tbb::global_control::max_allowed_parallelism, o.threads);
    if (!o.json) fmt::print(stderr, "training the best program, AdamW and Lion on {} task(s) for the loss curves...\n",
                            run.config.suite.tasks.size());
    CurveSettings settings;
    settings.curve_points = o.curve_points;
    settings.program_rate_multipliers = run.best_rate_multipliers;
    curves = reference_curves(analyze(parse_program(run.best.front().program)), run.config.suite, settings);
  }

  const std::string page = render_run_report(run, curves, options);
  write_file_atomically(out, page);
  if (o.json) {
    nlohmann::json summary = {{"out", out.string()},
                              {"bytes", page.size()},
                              {"sections", report_section_ids()},
                              {"run_id", run.run_id},
                              {"best_id", run.best.empty() ? nlohmann::json() : nlohmann::json(run.best.front().origin.id)},
                              {"best_fitness", run.best.empty() ? nlohmann::json() : finite_or_null(run.best.front().origin.fitness)},
                              {"curves", curves ? curves_json(*curves) : nlohmann::json()}};
    fmt::print("{}\n", summary.dump(2));
  } else {
    fmt::print("wrote {} ({} KiB): open it in a browser\n", out.string(), (page.size() + 1023) / 1024);
  }
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* command = app.add_subcommand("report", "a run directory as one self-contained HTML page (charts, programs, lineage, loss curves)");
  command->add_option("run_directory", o->run_directory, "the search run directory")->required();
  command->add_option("--out", o->out, "the HTML file to write (default RUN_DIR/report.html)");
  command->add_option("--top", o->top, "programs shown with their lineage (default 5)")->check(CLI::Range(1, 1000));
  command->add_flag("--no-curves", o->no_curves, "skip retraining the best program, AdamW and Lion for the loss curves");
  command->add_option("--curve-points", o->curve_points, "validation points along each training run (default 40)")
      ->check(CLI::Range(2, 10000));
  command->add_option("--threads", o->threads, "worker threads for the retraining (0: every core)")->check(CLI::Range(0, 4096));
  command->add_flag("--json", o->json, "machine-readable summary on stdout");
  command->callback([o, &exit_code] {
    run_report(*o);
    exit_code = exit_ok;
  });
}

}  // namespace symopt::cli
