// Functional equivalence by experiment: two programs are run side by side in float64 on the
// same seeded probe gradients, and their updates are compared step by step.
#pragma once

#include "dsl/analyzer.h"

namespace symopt {

// Largest relative difference between the two programs' updates over the probes (a matrix
// and a vector shape, two learning rates, several steps): max |a - b| / max(|a|, |b|) taken
// over each step's update as a whole. 0 for identical behaviour; NaN in the same places
// counts as equal, NaN in only one as +inf.
double behaviour_difference(const AnalyzedProgram& a, const AnalyzedProgram& b);

// What simplification accepts as "the same behaviour": a difference of rounding only.
inline constexpr double behaviour_tolerance = 1e-9;

}  // namespace symopt
