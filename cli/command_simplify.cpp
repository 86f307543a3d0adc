// `symopt simplify PROGRAM [--tasks T,...] [--size RUNG] [--tolerance X] [--json] [--out FILE]`:
// dead code, algebraic rewriting to a fixed point and (with --tasks) ablation against fitness,
// each pass shown before and after; says whether the result behaves the same as the input or
// by how much fitness moved.
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/input_error.h"
#include "dsl/printer.h"
#include "evaluator/evaluator.h"
#include "evaluator/fingerprint.h"
#include "search/simplify.h"
#include "search/simplify_probe.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

namespace symopt::cli {
namespace {

struct Options {
  std::string program;
  std::vector<std::string> tasks;
  std::string size = "tiny";
  double tolerance = 0.005;
  int max_evaluations = 200;
  int seeds = 1;
  int steps = 0;
  int threads = 0;
  std::string baseline_cache;
  bool json = false;
  std::string out;
};

std::vector<std::string> checked_tasks(const std::vector<std::string>& requested) {
  const std::vector<std::string> known = task_names();
  std::vector<std::string> tasks;
  for (const std::string& name : requested) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw InputError(fmt::format("--tasks: unknown task '{}' (known: {})", name, fmt::join(known, ", ")));
    }
    if (std::find(tasks.begin(), tasks.end(), name) == tasks.end()) tasks.push_back(name);
  }
  return tasks;
}

// The suite of the ablation's fitness; everything the user typed is checked before training.
SuiteConfig checked_suite(const Options& options) {
  SuiteConfig suite;
  suite.tasks = checked_tasks(options.tasks);
  const auto rung = parse_rung(options.size);
  if (!rung) throw InputError(fmt::format("--size: unknown rung '{}' (expected tiny, small, medium or large)", options.size));
  suite.rung = *rung;
  if (options.seeds < 1) throw InputError(fmt::format("--seeds: expected a positive count, got {}", options.seeds));
  suite.seeds = options.seeds;
  if (options.steps < 0) throw InputError(fmt::format("--steps: expected a positive count, got {}", options.steps));
  suite.steps = options.steps;
  suite.baseline_cache = options.baseline_cache;
  return suite;
}

std::string indented(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char ch : text) {
    if (line_start && ch != '\n') out += "      ";
    out += ch;
    line_start = ch == '\n';
  }
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

std::string fitness_change(const std::optional<double>& before, const std::optional<double>& after) {
  if (!before || !after) return "";
  return fmt::format(", fitness {:.4f} -> {:.4f} ({:+.4f})", *before, *after, *after - *before);
}

// The evaluator's behavioural fingerprints (the fitness cache's key) of input and result.
struct Fingerprints {
  std::uint64_t before = 0, after = 0;
  bool same() const { return before == after; }
};

std::string fingerprint_text(const Fingerprints& fingerprints) {
  return fingerprints.same() ? fmt::format("same behavioural fingerprint {:016x}", fingerprints.before)
                             : fmt::format("behavioural fingerprint {:016x} -> {:016x}", fingerprints.before,
                                           fingerprints.after);
}

// One line saying what the result is relative to the input.
std::string verdict(const SimplifyReport& report, const Fingerprints& fingerprints) {
  if (report.equivalent) {
    return fmt::format("functionally equivalent to the input: {}; largest relative difference of the "
                       "updates on the probe gradients {:.2g}",
                       fingerprint_text(fingerprints), report.behaviour_difference);
  }
  std::string text = fmt::format("behaviour changed by ablation ({}; relative difference {:.2g} on the probes)",
                                 fingerprint_text(fingerprints), report.behaviour_difference);
  if (report.fitness_before && report.fitness_after) {
    text += fmt::format("; fitness moved by {:+.4f} ({:.4f} -> {:.4f})", *report.fitness_after - *report.fitness_before,
                        *report.fitness_before, *report.fitness_after);
  }
  return text;
}

void print_report(const SimplifyReport& report, const Fingerprints& fingerprints, const std::string& suite_text) {
  fmt::print("{}\n", suite_text);
  for (const SimplifyPass& pass : report.passes) {
    fmt::print("== {}: {} -> {} ops{}, behaviour difference {:.2g}\n", pass.name, pass.ops_before, pass.ops_after,
               fitness_change(pass.fitness_before, pass.fitness_after), pass.behaviour_difference);
    if (pass.before == pass.after) {
      fmt::print("   unchanged\n");
    } else {
      fmt::print("   before:\n{}   after:\n{}", indented(pass.before), indented(pass.after));
    }
    for (const std::string& change : pass.changes) fmt::print("   - {}\n", change);
  }
  fmt::print("== result: {} -> {} ops{}\n{}", report.passes.empty() ? 0 : report.passes.front().ops_before,
             report.passes.empty() ? 0 : report.passes.back().ops_after,
             fitness_change(report.fitness_before, report.fitness_after), indented(report.result_text));
  fmt::print("{}\n", verdict(report, fingerprints));
}

std::string output_file_text(const Options& options, const SimplifyReport& report, const Fingerprints& fingerprints) {
  std::string header = fmt::format("# Simplified by `symopt simplify` from {}: {}.\n", options.program,
                                   verdict(report, fingerprints));
  return header + report.result_text + (report.result_text.ends_with('\n') ? "" : "\n");
}

void run(const Options& options) {
  if (!(options.tolerance >= 0) || !std::isfinite(options.tolerance)) {
    throw InputError(fmt::format("--tolerance: expected a fitness difference >= 0, got {}", options.tolerance));
  }
  if (options.max_evaluations < 1) {
    throw InputError(fmt::format("--max-evaluations: expected a positive count, got {}", options.max_evaluations));
  }
  if (options.threads < 0) throw InputError(fmt::format("--threads: expected a positive count, got {}", options.threads));
  const SuiteConfig suite = checked_suite(options);
  const Program program = load_program_file(options.program);
  // Type errors are reported as FILE:LINE:COL before any training.
  Fingerprints fingerprints;
  fingerprints.before = behavioural_fingerprint(load_analyzed_program(options.program));

  std::optional<tbb::global_control> thread_limit;
  if (options.threads > 0) thread_limit.emplace(tbb::global_control::max_allowed_parallelism, options.threads);
  SimplifyOptions simplify;
  simplify.ablation.tolerance = options.tolerance;
  simplify.ablation.max_evaluations = options.max_evaluations;
  std::unique_ptr<Evaluator> evaluator;
  FitnessFunction fitness;
  std::string suite_text = "no --tasks: dead code and algebra only (ablation needs a fitness)";
  if (!suite.tasks.empty()) {
    evaluator = std::make_unique<Evaluator>(suite);
    fitness = [&evaluator](const AnalyzedProgram& p) { return evaluator->evaluate(p).value; };
    suite_text = fmt::format("fitness: mean score over {} at rung {}, {} seed(s){} (0 = AdamW, higher is better); "
                             "ablation tolerance {}",
                             fmt::join(suite.tasks, ", "), rung_name(suite.rung), suite.seeds,
                             suite.steps > 0 ? fmt::format(", {} steps", suite.steps) : "", options.tolerance);
  }
  const SimplifyReport report = simplify_program(program, simplify, evaluator ? &fitness : nullptr);
  fingerprints.after = behavioural_fingerprint(report.result);

  if (!options.out.empty()) write_file_atomically(options.out, output_file_text(options, report, fingerprints));
  if (options.json) {
    nlohmann::json out = to_json(report);
    out["program"] = options.program;
    out["tasks"] = suite.tasks;
    out["size"] = rung_name(suite.rung);
    out["tolerance"] = options.tolerance;
    out["verdict"] = verdict(report, fingerprints);
    out["fingerprint_before"] = fmt::format("{:016x}", fingerprints.before);
    out["fingerprint_after"] = fmt::format("{:016x}", fingerprints.after);
    out["same_fingerprint"] = fingerprints.same();
    fmt::print("{}\n", out.dump(2));
  } else {
    print_report(report, fingerprints, suite_text);
    if (!options.out.empty()) fmt::print("wrote {}\n", options.out);
  }
}

}  // namespace

void add_simplify_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand("simplify", "dead code, algebraic rewriting and ablation, each shown before/after");
  command->add_option("program", options->program, "program file (.opt or .json)")->required();
  command->add_option("--tasks", options->tasks,
                      "comma-separated tasks whose fitness guides the ablation (default: no ablation)")
      ->delimiter(',');
  command->add_option("--size", options->size, "rung of the tasks: tiny (default), small, medium or large");
  command->add_option("--tolerance", options->tolerance,
                      "largest fitness loss an ablation may cause, against the input's fitness (default 0.005)");
  command->add_option("--max-evaluations", options->max_evaluations, "fitness evaluations at most (default 200)");
  command->add_option("--seeds", options->seeds, "training seeds per task (default 1)");
  command->add_option("--steps", options->steps, "training steps instead of the rung's budget");
  command->add_option("--baseline-cache", options->baseline_cache, "directory caching the AdamW baselines");
  command->add_option("--threads", options->threads, "worker threads (default: all cores)");
  command->add_flag("--json", options->json, "machine-readable output");
  command->add_option("--out", options->out, "write the simplified program to this .opt file");
  command->callback([options, &exit_code] {
    run(*options);
    exit_code = exit_ok;
  });
}

}  // namespace symopt::cli
