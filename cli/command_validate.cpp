// `symopt validate PROGRAM [--json]`: the closest Lion-K member (DESIGN §5), its fitted values
// and error, membership, and for members the theory's predictions checked by experiment.
// Exit 0 for any answer (a non-member is an answer), 2 for bad input.
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "common/input_error.h"
#include "evaluator/validate.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace symopt::cli {
namespace {

struct Options {
  std::string program;
  bool json = false;
  bool no_checks = false;
  double threshold = 1e-5;
  int steps = 40;
  std::uint64_t seed = 7;
};

std::string_view k_meaning(KFunction k) {
  switch (k) {
    case KFunction::l1: return "dK = sign: Lion";
    case KFunction::l2: return "dK = u / ||u||_2: normalized momentum";
    case KFunction::sq_l2: return "dK = u: Polyak-style momentum, plain L2 regularization";
    case KFunction::huber: return "dK = clip(u, -a, a) / a";
    case KFunction::lp: return "dK = sign(u) |u|^(p-1) / ||u||_p^(p-1)";
    case KFunction::nuclear: return "dK = U V^T: orthogonalized momentum";
    case KFunction::entropy: return "dK = tanh(a u)";
    case KFunction::relativistic: return "dK = u / sqrt(u^2 + a^2)";
    case KFunction::log_smoothed: return "dK = u / (|u| + a)";
  }
  return "";
}

std::string fit_text(const MemberFit& fit) {
  std::string scale;
  if (k_function_uses_scale(fit.k)) scale = fmt::format("{} = {:.6g}, ", fit.k == KFunction::lp ? "p" : "a", fit.scale);
  return fmt::format("K = {} ({}), {}beta1 = {:.6g}, beta2 = {:.6g}, lambda = {:.6g}, lr_scale = {:.6g}",
                     k_function_name(fit.k), k_meaning(fit.k), scale, fit.beta1, fit.beta2, fit.lambda,
                     fit.lr_scale);
}

std::string figure_text(const nlohmann::json& figures) {
  std::string out;
  for (const auto& [key, value] : figures.items()) {
    if (!out.empty()) out += ", ";
    out += key + " = " + (value.is_number_float() ? fmt::format("{:.4g}", value.get<double>()) : value.dump());
  }
  return out;
}

void print_report(const std::string& path, const ValidationResult& result, double threshold) {
  const MemberFit& best = result.best;
  if (result.member) {
    fmt::print("{}: a Lion-K member (fit error {:.3g} < {:g})\n  {}\n", path, best.fit_error, threshold,
               fit_text(best));
  } else {
    fmt::print("{}: not a Lion-K member (closest fit error {:.3g}, threshold {:g})\n  closest: {}\n", path,
               best.fit_error, threshold, fit_text(best));
  }
  fmt::print("fit error of every K (relative trajectory error on the probe gradients):\n");
  for (const MemberFit& fit : result.fits) {
    fmt::print("  {:<13} {:.3g}\n", k_function_name(fit.k), fit.fit_error);
  }
  if (!result.checks.empty()) fmt::print("theory checks (DESIGN §5):\n");
  for (const TheoryCheck& check : result.checks) {
    fmt::print("  [{}] {}\n        problem: {}\n        figures: {}\n", check.held ? "held" : "FAILED", check.name,
               check.problem, figure_text(check.figures));
  }
  for (const std::string& note : result.notes) fmt::print("note: {}\n", note);
}

void run(const Options& options) {
  if (!(options.threshold > 0) || !std::isfinite(options.threshold)) {
    throw InputError(fmt::format("--threshold: expected a positive number, got {}", options.threshold));
  }
  if (options.steps < 2) throw InputError(fmt::format("--steps: expected at least 2, got {}", options.steps));
  const AnalyzedProgram program = load_analyzed_program(options.program);
  ValidationOptions validation;
  validation.member_threshold = options.threshold;
  validation.steps = options.steps;
  validation.seed = options.seed;
  validation.run_checks = !options.no_checks;
  const ValidationResult result = validate_program(program, validation);
  if (options.json) {
    nlohmann::json out = to_json(result);
    out["program"] = options.program;
    out["threshold"] = options.threshold;
    fmt::print("{}\n", out.dump(2));
  } else {
    print_report(options.program, result, options.threshold);
  }
}

}  // namespace

void add_validate_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand("validate", "fit the closest Lion-K member and check the theory's predictions");
  command->add_option("program", options->program, "program file (.opt or .json)")->required();
  command->add_flag("--json", options->json,
                    "print {member, k, beta1, beta2, lambda, lr_scale, fit_error, checks, fits, notes}");
  command->add_flag("--no-checks", options->no_checks, "fit only; skip the theory checks");
  command->add_option("--threshold", options->threshold, "largest fit error of a member (default 1e-5)");
  command->add_option("--steps", options->steps, "steps per probe episode of the fit (default 40)");
  command->add_option("--seed", options->seed, "seed of the probe gradients and weights (default 7)");
  command->callback([options, &exit_code] {
    run(*options);
    exit_code = exit_ok;
  });
}

}  // namespace symopt::cli
