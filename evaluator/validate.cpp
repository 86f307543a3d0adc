// The verdict: which fitted member is "the" member, and the JSON of the result.
#include "evaluator/validate.h"

#include <cmath>

namespace symopt {
namespace {

// A Lion-K member needs a descent step (lr_scale > 0) and a decay that is not negative.
bool acceptable(const MemberFit& fit, double threshold) {
  return fit.fit_error < threshold && fit.lr_scale > 0 && fit.lambda >= 0;
}

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json fit_json(const MemberFit& fit) {
  nlohmann::json out = {{"k", std::string(k_function_name(fit.k))},
                        {"beta1", fit.beta1},
                        {"beta2", fit.beta2},
                        {"lambda", fit.lambda},
                        {"lr_scale", fit.lr_scale},
                        {"fit_error", number_or_null(fit.fit_error)}};
  if (k_function_uses_scale(fit.k)) out["scale"] = fit.scale;
  return out;
}

}  // namespace

ValidationResult validate_program(const AnalyzedProgram& program, const ValidationOptions& options) {
  ValidationResult result;
  result.fits = fit_lion_k_members(program, options);
  // Members with a scale (huber with a tiny a, entropy with a huge one, ...) approach the
  // scale-free ones arbitrarily well, so a scale-free member that fits wins.
  const MemberFit* chosen = nullptr;
  for (const MemberFit& fit : result.fits) {
    if (acceptable(fit, options.member_threshold) && !k_function_uses_scale(fit.k)) {
      chosen = &fit;
      break;
    }
  }
  for (const MemberFit& fit : result.fits) {
    if (!chosen && acceptable(fit, options.member_threshold)) chosen = &fit;
  }
  result.member = chosen != nullptr;
  result.best = chosen ? *chosen : result.fits.front();
  if (result.member && options.run_checks) {
    result.checks = check_lion_k_theory(program, result.best, result.notes);
  }
  if (!result.member) {
    result.notes.push_back("not a member: the closest fit's error is above the threshold, or it needs "
                           "a negative rate scale or decay");
  }
  return result;
}

nlohmann::json to_json(const ValidationResult& result) {
  const MemberFit& best = result.best;
  nlohmann::json out = {
      {"member", result.member},
      {"k", result.member ? nlohmann::json(std::string(k_function_name(best.k))) : nlohmann::json(nullptr)},
      {"beta1", best.beta1},
      {"beta2", best.beta2},
      {"lambda", best.lambda},
      {"lr_scale", best.lr_scale},
      {"fit_error", number_or_null(best.fit_error)},
      {"closest_k", std::string(k_function_name(best.k))},
  };
  if (k_function_uses_scale(best.k)) out["scale"] = best.scale;
  nlohmann::json checks = nlohmann::json::array();
  for (const TheoryCheck& check : result.checks) {
    checks.push_back({{"name", check.name}, {"held", check.held}, {"problem", check.problem},
                      {"figures", check.figures}});
  }
  out["checks"] = checks;
  nlohmann::json fits = nlohmann::json::array();
  for (const MemberFit& fit : result.fits) fits.push_back(fit_json(fit));
  out["fits"] = fits;
  out["notes"] = result.notes;
  return out;
}

}  // namespace symopt
