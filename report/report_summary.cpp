// The page header (headline figures), the summary section (what was searched and the best
// program found) and the configuration section (config.json and the run's files).
#include "report/report_sections.h"

#include "search/search_config.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>

namespace symopt::report {
namespace {

namespace fs = std::filesystem;

std::string card(const std::string& key, const std::string& value, const std::string& note = "") {
  return fmt::format("<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div>{}</div>", html(key), value,
                     note.empty() ? "" : "<div class=\"s\">" + html(note) + "</div>");
}

std::string share(long part, long whole) {
  return whole > 0 ? fmt::format("{:.0f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "n/a";
}

std::string row(const std::string& key, const std::string& value_html) {
  return fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", html(key), value_html);
}

std::string suite_tasks(const SuiteConfig& suite) {
  std::string out;
  for (std::size_t i = 0; i < suite.tasks.size(); ++i) {
    if (i) out += ", ";
    out += "<code>" + html(suite.tasks[i]) + "</code>";
    if (i < suite.weights.size()) out += fmt::format(" &times;{}", format_number(suite.weights[i]));
  }
  return out;
}

std::string budget_text(const SearchBudget& budget) {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (budget.wall_seconds > 0) add(format_duration(budget.wall_seconds) + " wall time");
  if (budget.evaluations > 0) add(format_number(static_cast<double>(budget.evaluations)) + " evaluations");
  if (budget.target_fitness) add(fmt::format("target fitness {}", format_number(*budget.target_fitness)));
  return out.empty() ? "none (until interrupted)" : out;
}

}  // namespace

std::string header_html(const RunRecord& run, const std::string& generated_at) {
  const double best = run.best.empty() ? std::nan("") : run.best.front().origin.fitness;
  std::string out = fmt::format("<header class=\"top\">\n<h1>symopt search run <code>{}</code></h1>\n", html(run.run_id));
  out += fmt::format("<p class=\"sub\">{}{}{}</p>\n", html(run.config.description),
                     run.created.empty() ? "" : " &middot; started " + html(run.created),
                     generated_at.empty() ? "" : " &middot; report of " + html(generated_at));
  out += "<div class=\"cards\">";
  out += card("best fitness", fitness_html(best), run.best.empty() ? "" : fmt::format("id {}, {} state{}, {} ops",
      run.best.front().origin.id, run.best.front().origin.states, run.best.front().origin.states == 1 ? "" : "s",
      run.best.front().origin.ops));
  out += card("evaluations", format_number(static_cast<double>(run.evaluations)));
  out += card("wall time", html(format_duration(run.elapsed_seconds)),
              run.restarts ? fmt::format("{} restarts", run.restarts) : std::string());
  out += card("evaluations / s", run.elapsed_seconds > 0
                                     ? format_number(static_cast<double>(run.evaluations) / run.elapsed_seconds)
                                     : "n/a");
  out += card("rejected", share(run.rejected, run.candidates), "of the candidates");
  out += card("cached", share(run.cached, run.evaluations), "of the evaluations");
  out += card("tasks", fmt::format("{}", run.config.suite.tasks.size()),
              fmt::format("{} rung, {} seed{}", rung_name(run.config.suite.rung), run.config.suite.seeds,
                          run.config.suite.seeds == 1 ? "" : "s"));
  out += "</div>\n</header>\n";
  return out;
}

std::string summary_section(const RunRecord& run) {
  const SearchConfig& c = run.config;
  std::string out = section_open(
      "summary", "Summary",
      "What was searched, for how long, and the best program found. Fitness is the mean over the suite of a "
      "bounded per-task score: 0 is AdamW at its tuned rate, positive is better, &minus;1 the worst.");
  out += "<div class=\"two\">\n<div>\n<table class=\"facts\">\n";
  std::error_code error;
  const fs::path absolute = fs::absolute(run.directory, error);
  out += row("run directory", "<code>" + html((error ? run.directory : absolute.lexically_normal()).string()) + "</code>");
  out += row("strategy", fmt::format("{} ({}), population {}, tournament {}, batches of {}",
                                     html(std::string(strategy_name(c.strategy))), html(std::string(mode_name(c.mode))),
                                     c.population_size, c.tournament_size, c.batch_size));
  out += row("seed / threads", fmt::format("{} / {}", c.seed, c.threads == 0 ? std::string("every core") : std::to_string(c.threads)));
  out += row("suite", suite_tasks(c.suite));
  out += row("rung, seeds, steps",
             fmt::format("{}, {} seed{}, {}", html(std::string(rung_name(c.suite.rung))), c.suite.seeds,
                         c.suite.seeds == 1 ? "" : "s",
                         c.suite.steps > 0 ? std::to_string(c.suite.steps) + " steps" : std::string("each rung's budget")));
  out += row("schedule", html(std::string(schedule_name(c.suite.schedule))));
  std::string warm;
  for (const std::string& file : c.warm_start) warm += (warm.empty() ? "" : ", ") + ("<code>" + html(fs::path(file).filename().string()) + "</code>");
  out += row("warm start", warm);
  out += row("budget", html(budget_text(c.budget)));
  out += row("ran", fmt::format("{} &middot; {} candidates, {} rejected by the analyzer, {} evaluations ({} answered by the "
                                "cache){}",
                                html(format_duration(run.elapsed_seconds)), format_number(static_cast<double>(run.candidates)),
                                format_number(static_cast<double>(run.rejected)), format_number(static_cast<double>(run.evaluations)),
                                format_number(static_cast<double>(run.cached)),
                                run.restarts ? fmt::format(", {} restarts", run.restarts) : std::string()));
  out += row("kept", fmt::format("{} programs in the hall of fame, {} on the Pareto front, {} lineage records",
                                 run.best.size(), run.pareto_front.size(), run.lineage.size()));
  out += "</table>\n</div>\n<div>\n";
  if (run.best.empty()) {
    out += "<p class=\"note\">The hall of fame is empty: the run stopped before its first evaluation.</p>\n";
  } else {
    const HallOfFameEntry& best = run.best.front();
    out += fmt::format("<h3 style=\"margin-top:0\">Best program &nbsp;{} &nbsp;<span class=\"tag\">{} state{}</span> "
                       "<span class=\"tag\">{} ops</span> <span class=\"tag\">id {}</span></h3>\n",
                       fitness_html(best.origin.fitness), best.origin.states, best.origin.states == 1 ? "" : "s",
                       best.origin.ops, best.origin.id);
    out += "<pre class=\"program\">" + highlighted_program(folded_program(best.program)) + "</pre>\n";
    out += task_scores_table(best);
  }
  out += "</div>\n</div>\n</section>\n";
  return out;
}

std::string configuration_section(const RunRecord& run) {
  std::string out = section_open("configuration", "Configuration and files",
                                 "The run's resolved configuration (reusable as <code>--config</code>) and the files "
                                 "of its directory.");
  out += "<div class=\"two\">\n<div>\n<details><summary><code>config.json</code></summary>\n<pre class=\"program\">" +
         html(run.config_json.dump(2)) + "</pre>\n</details>\n</div>\n<div>\n<table>\n<tr><th>file</th><th class=\"num\">bytes</th></tr>\n";
  std::map<std::string, std::uintmax_t> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(run.directory, error)) {
    if (entry.is_regular_file(error)) files[entry.path().filename().string()] = entry.file_size(error);
  }
  for (const auto& [name, bytes] : files) {
    out += fmt::format("<tr><td><code>{}</code></td><td class=\"num\">{}</td></tr>\n", html(name),
                       format_number(static_cast<double>(bytes)));
  }
  out += "</table>\n</div>\n</div>\n</section>\n";
  return out;
}

}  // namespace symopt::report
