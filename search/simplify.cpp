// The simplify pipeline and its report.
#include "search/simplify.h"

#include "dsl/op_table.h"
#include "dsl/printer.h"
#include "search/simplify_algebra.h"
#include "search/simplify_graph.h"
#include "search/simplify_probe.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace symopt {
namespace {

int statements_that_compute(const Program& program) {
  return static_cast<int>(std::count_if(program.body.begin(), program.body.end(),
                                        [](const Statement& s) { return s.op != copy_op(); }));
}

std::string text_of(const AnalyzedProgram& program) { return print_folded(named_canonical(program)); }

SimplifyPass pass_between(std::string name, const AnalyzedProgram& before, const AnalyzedProgram& after) {
  SimplifyPass pass;
  pass.name = std::move(name);
  pass.before = text_of(before);
  pass.after = text_of(after);
  pass.ops_before = count_ops(before);
  pass.ops_after = count_ops(after);
  pass.behaviour_difference = behaviour_difference(before, after);
  return pass;
}

void add_algebra_pass(SimplifyReport& report, const std::string& name, const FitnessFunction* fitness) {
  AlgebraResult algebra = simplify_algebra(report.result);
  SimplifyPass pass = pass_between(name, report.result, algebra.program);
  for (const AppliedRewrite& r : algebra.applied) {
    pass.changes.push_back(fmt::format("{}: {} -> {}", r.rule, r.before, r.after));
  }
  for (const AppliedRewrite& r : algebra.refused) {
    pass.changes.push_back(fmt::format("{}: {} -> {}", r.rule, r.before, r.after));
  }
  if (fitness) {
    pass.fitness_before = report.fitness_after;
    // Equivalent programs have equal fitness only up to float32 rounding in training.
    pass.fitness_after = algebra.applied.empty() ? *report.fitness_after : (*fitness)(algebra.program);
    report.fitness_after = pass.fitness_after;
  }
  report.result = std::move(algebra.program);
  report.passes.push_back(std::move(pass));
}

}  // namespace

SimplifyReport simplify_program(const Program& program, const SimplifyOptions& options,
                                const FitnessFunction* fitness) {
  SimplifyReport report;
  report.result = analyze(program);

  SimplifyPass dead;
  dead.name = "dead code";
  dead.before = print_folded(program);
  dead.after = text_of(report.result);
  dead.ops_before = statements_that_compute(program);
  dead.ops_after = count_ops(report.result);
  if (dead.ops_before > dead.ops_after) {
    dead.changes.push_back(fmt::format("{} statement(s) removed: dead, duplicated or copies",
                                       dead.ops_before - dead.ops_after));
  }
  const std::vector<int> signature_states = program.state_parameters();
  for (int s : signature_states) {
    const std::string& name = program.variables[s];
    if (std::find(report.result.state_names.begin(), report.result.state_names.end(), name) ==
        report.result.state_names.end()) {
      dead.changes.push_back(fmt::format("state {} removed: nothing live reads it", name));
    }
  }
  if (fitness) {
    report.fitness_before = (*fitness)(report.result);
    report.fitness_after = report.fitness_before;
    dead.fitness_before = dead.fitness_after = report.fitness_before;
  }
  const AnalyzedProgram input = report.result;
  report.passes.push_back(std::move(dead));

  add_algebra_pass(report, "algebra", fitness);

  if (fitness && *report.fitness_after <= -1) {
    // The worst fitness (diverged on every task): every edit would be "within tolerance" of
    // it, so ablation could only turn the program into noise.
    SimplifyPass pass = pass_between("ablation", report.result, report.result);
    pass.fitness_before = pass.fitness_after = report.fitness_after;
    pass.changes.push_back("skipped: the program has the worst fitness (it diverges on every task), "
                           "so fitness cannot tell which parts matter");
    report.passes.push_back(std::move(pass));
  } else if (fitness) {
    AblationResult ablation = ablate(report.result, *fitness, options.ablation);
    SimplifyPass pass = pass_between("ablation", report.result, ablation.program);
    pass.fitness_before = ablation.fitness_before;
    pass.fitness_after = ablation.fitness_after;
    for (const AblationChange& change : ablation.accepted) {
      pass.changes.push_back(fmt::format("{} (fitness {:.4f}, {:+.4f} against the pass's start)",
                                         change.description, change.fitness, change.change));
    }
    pass.changes.push_back(fmt::format("{} fitness evaluation(s), tolerance {}{}", ablation.evaluations,
                                       options.ablation.tolerance,
                                       ablation.budget_exhausted ? ", budget exhausted" : ""));
    report.fitness_after = ablation.fitness_after;
    report.equivalent = ablation.accepted.empty();
    report.result = std::move(ablation.program);
    report.passes.push_back(std::move(pass));
    if (!report.equivalent) add_algebra_pass(report, "algebra after ablation", fitness);
  }

  report.result_program = named_canonical(report.result);
  report.result_text = print_folded(report.result_program);
  report.behaviour_difference = behaviour_difference(input, report.result);
  if (report.equivalent) report.equivalent = report.behaviour_difference <= behaviour_tolerance;
  return report;
}

nlohmann::json to_json(const SimplifyReport& report) {
  auto optional_number = [](const std::optional<double>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  };
  nlohmann::json passes = nlohmann::json::array();
  for (const SimplifyPass& pass : report.passes) {
    passes.push_back({{"name", pass.name},
                      {"before", pass.before},
                      {"after", pass.after},
                      {"ops_before", pass.ops_before},
                      {"ops_after", pass.ops_after},
                      {"fitness_before", optional_number(pass.fitness_before)},
                      {"fitness_after", optional_number(pass.fitness_after)},
                      {"behaviour_difference", pass.behaviour_difference},
                      {"changes", pass.changes}});
  }
  return {{"passes", passes},
          {"result", report.result_text},
          {"result_canonical", print_program(report.result_program)},
          {"ops_before", report.passes.empty() ? 0 : report.passes.front().ops_before},
          {"ops_after", count_ops(report.result)},
          {"fitness_before", optional_number(report.fitness_before)},
          {"fitness_after", optional_number(report.fitness_after)},
          {"behaviour_difference", report.behaviour_difference},
          {"equivalent", report.equivalent}};
}

std::string format_report(const SimplifyReport& report) {
  std::string out;
  auto fitness_text = [](const std::optional<double>& before, const std::optional<double>& after) {
    return before && after ? fmt::format(", fitness {:.4f} -> {:.4f} ({:+.4f})", *before, *after, *after - *before)
                           : std::string();
  };
  for (const SimplifyPass& pass : report.passes) {
    out += fmt::format("== {}: {} -> {} ops{}, behaviour difference {:.2g}\n", pass.name,
                       pass.ops_before, pass.ops_after,
                       fitness_text(pass.fitness_before, pass.fitness_after), pass.behaviour_difference);
    for (const std::string& change : pass.changes) out += "  - " + change + "\n";
  }
  out += fmt::format("== result ({}{}):\n{}", report.equivalent ? "same behaviour as the input"
                                                                : "behaviour changed by ablation",
                     fitness_text(report.fitness_before, report.fitness_after), report.result_text);
  return out;
}

}  // namespace symopt
