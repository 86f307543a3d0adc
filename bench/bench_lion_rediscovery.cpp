// The headline measurement of the Lion-rediscovery runs: for each run directory, the first
// program (in discovery order) that the validator places in the Lion-K family with dK = sign
// and whose fitness is at least AdamW's; prints a Markdown table and the success rate.
//   bench_lion_rediscovery RUN_DIR...
//   bench_lion_rediscovery --found RUN_DIR   exit 0 when the run has found one (no output): lets
//                                            a script stop a run at its first Lion-family program
//   bench_lion_rediscovery --found-proper RUN_DIR   the same for Lion proper (beta1 != beta2)
#include "common/atomic_file.h"
#include "dsl/analyzer.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "evaluator/validate.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Discovery {
  double seconds = 0;
  long evaluation = 0;
  long id = -1;
  double fitness = 0;
  std::string program;
  symopt::ValidationResult validation;
};

struct RunSummary {
  std::string directory;
  std::optional<Discovery> first_lion;
  // Signum (beta1 = beta2) is a Lion-K member one mutation away from AdamW; Lion proper keeps
  // a slower momentum than the one it takes the sign of. Reported apart so that a table of
  // signum finds is not read as Lion found.
  std::optional<Discovery> first_distinct_betas;
  double best_fitness = -1;
  int candidates_validated = 0;
};

RunSummary summarize(const std::filesystem::path& directory) {
  RunSummary summary;
  summary.directory = directory.string();
  std::istringstream lines(symopt::read_whole_file(directory / "discoveries.jsonl"));
  symopt::ValidationOptions options;
  options.run_checks = false;  // membership is the question here; `symopt validate` runs them
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const nlohmann::json entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (entry.is_discarded()) continue;  // a line still being appended by the running search
    const double fitness = entry.at("fitness").is_number() ? entry.at("fitness").get<double>() : -1.0;
    summary.best_fitness = std::max(summary.best_fitness, fitness);
    if ((summary.first_lion && summary.first_distinct_betas) || fitness < 0) continue;  // >= AdamW (0)
    const std::string text = entry.at("program").get<std::string>();
    // dK = sign needs a sign op: skipping the others saves most of the validation time (a
    // sign spelled x / abs(x) would be missed).
    if (text.find("sign(") == std::string::npos) continue;
    const symopt::AnalyzedProgram program = symopt::analyze(symopt::parse_program(text));
    ++summary.candidates_validated;
    symopt::ValidationResult result = symopt::validate_program(program, options);
    if (!result.member || result.best.k != symopt::KFunction::l1) continue;
    const Discovery found{entry.value("found_at_seconds", 0.0), entry.value("evaluation", 0L), entry.value("id", -1L),
                          fitness, symopt::print_folded(program.canonical), std::move(result)};
    if (!summary.first_lion) summary.first_lion = found;
    // The fit leaves beta1 and beta2 of a signum loosely determined (0.848 vs 0.85 seen).
    const bool distinct = std::fabs(found.validation.best.beta1 - found.validation.best.beta2) > 0.01;
    if (distinct && !summary.first_distinct_betas) summary.first_distinct_betas = found;
  }
  return summary;
}

// "; median time to the first WHAT: N s", counting runs without a find as slower than every
// success (their time is at least the budget).
std::string median_text(std::vector<double> times, std::size_t runs, std::string_view what) {
  if (times.empty()) return "";
  std::sort(times.begin(), times.end());
  const std::size_t middle = runs / 2;
  if (middle >= times.size()) return fmt::format("; median time to the first {}: more than the budget", what);
  return fmt::format("; median time to the first {}: {:.0f} s", what, times[middle]);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: bench_lion_rediscovery RUN_DIR... | --found RUN_DIR | --found-proper RUN_DIR\n");
    return 2;
  }
  const std::string mode = argv[1];
  if (mode == "--found" || mode == "--found-proper") {
    if (argc != 3) return 2;
    // A run that has not written its first discovery yet has not found anything.
    if (!std::filesystem::exists(std::filesystem::path(argv[2]) / "discoveries.jsonl")) return 1;
    const RunSummary summary = summarize(argv[2]);
    return (mode == "--found" ? summary.first_lion : summary.first_distinct_betas) ? 0 : 1;
  }
  std::vector<RunSummary> runs;
  for (int i = 1; i < argc; ++i) runs.push_back(summarize(argv[i]));

  fmt::print("| run | Lion-family program found | time | evaluations | its fitness | beta1 | beta2 | lambda | fit error | best fitness of the run |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|---|\n");
  std::vector<double> times;
  for (const RunSummary& run : runs) {
    if (run.first_lion) {
      const Discovery& d = *run.first_lion;
      times.push_back(d.seconds);
      fmt::print("| {} | yes (id {}) | {:.0f} s | {} | {:.4f} | {:.3g} | {:.3g} | {:.3g} | {:.1e} | {:.4f} |\n", run.directory,
                 d.id, d.seconds, d.evaluation, d.fitness, d.validation.best.beta1, d.validation.best.beta2,
                 d.validation.best.lambda, d.validation.best.fit_error, run.best_fitness);
    } else {
      fmt::print("| {} | no ({} candidates validated) | | | | | | | | {:.4f} |\n", run.directory,
                 run.candidates_validated, run.best_fitness);
    }
  }
  fmt::print("\nsuccess: {} of {} runs{}\n", times.size(), runs.size(), median_text(times, runs.size(), "Lion-family program"));
  std::vector<double> proper_times;
  fmt::print("\nLion proper (beta1 != beta2) among the entrants with fitness >= 0:\n");
  for (const RunSummary& run : runs) {
    if (!run.first_distinct_betas) continue;
    const Discovery& d = *run.first_distinct_betas;
    proper_times.push_back(d.seconds);
    fmt::print("- {}: id {} at {:.0f} s ({} evaluations), fitness {:.4f}, beta1 {:.3g}, beta2 {:.3g}, lambda {:.3g}\n",
               run.directory, d.id, d.seconds, d.evaluation, d.fitness, d.validation.best.beta1,
               d.validation.best.beta2, d.validation.best.lambda);
  }
  fmt::print("{} of {} runs{}\n", proper_times.size(), runs.size(), median_text(proper_times, runs.size(), "Lion proper"));
  for (const RunSummary& run : runs) {
    if (run.first_lion) fmt::print("\n{} (first Lion-family program):\n{}\n", run.directory, run.first_lion->program);
    if (run.first_distinct_betas && run.first_distinct_betas->id != run.first_lion->id) {
      fmt::print("\n{} (first with beta1 != beta2):\n{}\n", run.directory, run.first_distinct_betas->program);
    }
  }
  return 0;
}
