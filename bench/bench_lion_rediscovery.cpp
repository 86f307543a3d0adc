// The headline measurement of the Lion-rediscovery runs: for each run directory, the first
// program (in discovery order) that the validator places in the Lion-K family with dK = sign
// and whose fitness is at least AdamW's; prints a Markdown table and the success rate.
//   bench_lion_rediscovery RUN_DIR...
//   bench_lion_rediscovery --found RUN_DIR   exit 0 when the run has found one (no output): lets
//                                            a script stop a run at its first Lion-family program
#include "common/atomic_file.h"
#include "dsl/analyzer.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "evaluator/validate.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
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
    if (summary.first_lion || fitness < 0) continue;  // must be at least AdamW (fitness 0)
    const std::string text = entry.at("program").get<std::string>();
    // dK = sign needs a sign op: skipping the others saves most of the validation time (a
    // sign spelled x / abs(x) would be missed).
    if (text.find("sign(") == std::string::npos) continue;
    const symopt::AnalyzedProgram program = symopt::analyze(symopt::parse_program(text));
    ++summary.candidates_validated;
    symopt::ValidationResult result = symopt::validate_program(program, options);
    if (result.member && result.best.k == symopt::KFunction::l1) {
      summary.first_lion = Discovery{entry.value("found_at_seconds", 0.0), entry.value("evaluation", 0L),
                                     entry.value("id", -1L), fitness, symopt::print_folded(program.canonical),
                                     std::move(result)};
    }
  }
  return summary;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: bench_lion_rediscovery RUN_DIR... | --found RUN_DIR\n");
    return 2;
  }
  if (std::string(argv[1]) == "--found") {
    if (argc != 3) return 2;
    // A run that has not written its first discovery yet has not found anything.
    if (!std::filesystem::exists(std::filesystem::path(argv[2]) / "discoveries.jsonl")) return 1;
    return summarize(argv[2]).first_lion ? 0 : 1;
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
  std::sort(times.begin(), times.end());
  fmt::print("\nsuccess: {} of {} runs", times.size(), runs.size());
  if (!times.empty()) {
    // Failed runs count as slower than every success (their time is at least the budget).
    const std::size_t middle = runs.size() / 2;
    if (middle < times.size()) {
      fmt::print("; median time to the first Lion-family program: {:.0f} s", times[middle]);
    } else {
      fmt::print("; median time to the first Lion-family program: more than the budget");
    }
  }
  fmt::print("\n");
  for (const RunSummary& run : runs) {
    if (run.first_lion) fmt::print("\n{} (first Lion-family program):\n{}\n", run.directory, run.first_lion->program);
  }
  return 0;
}
