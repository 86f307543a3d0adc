// `symopt validate`: is a program a member of the Lion-K family (DESIGN §5)? The program and
// native Lion-K members replay the same seeded gradient sequences; the closest member
// (K, beta1, beta2, lambda, lr scale, K's scale) is fitted by minimizing trajectory error,
// and for members the theory's predictions are then checked by experiment.
#pragma once

#include "dsl/analyzer.h"
#include "evaluator/lion_k.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace symopt {

struct ValidationOptions {
  double member_threshold = 1e-5;  // fit_error below this: a member
  int steps = 40;                  // steps per probe episode
  std::uint64_t seed = 7;          // gradients and initial weights of the probes
  bool run_checks = true;          // the theory checks, for members
};

// The best fit of one K: the program is modelled as w -= lr * lr_scale * (dK(c) + lambda w)
// with c = interp(g, m, beta1), m = interp(g, m, beta2).
struct MemberFit {
  KFunction k = KFunction::l1;
  double scale = 0;      // a or p where K has one (k_function_uses_scale), else 0
  double beta1 = 0, beta2 = 0, lambda = 0, lr_scale = 0;
  // Relative trajectory error of the native member against the program over all probe
  // episodes: sqrt(sum_t ||w_t - w_t^member||^2) / sqrt(sum_t ||w_t - w_0||^2), where w_t
  // are the program's weights. +inf when the program does not move the weights or diverges.
  double fit_error = 0;
};

// One prediction of the theory tested on a documented problem.
struct TheoryCheck {
  std::string name;      // e.g. "enters and stays in the box"
  std::string problem;   // the test problem, in words
  bool held = false;
  nlohmann::json figures;  // the numbers behind the verdict
};

struct ValidationResult {
  bool member = false;
  MemberFit best;                 // the closest member (reported for non-members too)
  std::vector<MemberFit> fits;    // the best fit of every K, smallest error first
  std::vector<TheoryCheck> checks;
  std::vector<std::string> notes; // e.g. why a check was not run
};

ValidationResult validate_program(const AnalyzedProgram& program, const ValidationOptions& options = {});

// The fitting alone (validate_program without the checks).
std::vector<MemberFit> fit_lion_k_members(const AnalyzedProgram& program, const ValidationOptions& options);

// The theory checks for a fitted member (empty when none apply; see notes).
std::vector<TheoryCheck> check_lion_k_theory(const AnalyzedProgram& program, const MemberFit& fit,
                                             std::vector<std::string>& notes);

// {"member", "k" (null for non-members), "beta1", "beta2", "lambda", "lr_scale",
//  "fit_error", "scale", "closest_k", "checks": [...], "fits": [...], "notes": [...]}.
nlohmann::json to_json(const ValidationResult& result);

}  // namespace symopt
