// Simplification: each algebraic rule on a small program (the expected result written out by
// hand and compared structurally), behaviour kept on random programs, and ablation with a
// synthetic fitness.
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "dsl/random_programs.h"
#include "search/simplify.h"
#include "search/simplify_algebra.h"
#include "search/simplify_graph.h"
#include "search/simplify_probe.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace symopt {
namespace {

AnalyzedProgram program_of(const std::string& text) { return analyze(parse_program(text)); }

// Simplifies `input` and expects the structure of `expected` (which is not simplified).
void expect_simplifies_to(const std::string& input, const std::string& expected) {
  const AnalyzedProgram before = program_of(input);
  const AlgebraResult result = simplify_algebra(before);
  const AnalyzedProgram want = program_of(expected);
  EXPECT_EQ(result.program.structural_hash, want.structural_hash)
      << "got:\n" << print_folded(named_canonical(result.program)) << "expected:\n"
      << print_folded(named_canonical(want));
  EXPECT_LE(result.behaviour_difference, behaviour_tolerance);
  EXPECT_TRUE(result.refused.empty());
}

TEST(SimplifyAlgebra, CollectsLearningRateScaleConstants) {
  expect_simplifies_to("def train(g, lr):\n    u = sign(g) * 0.5\n    return u * lr * 2\n",
                       "def train(g, lr):\n    return sign(g) * lr\n");
  expect_simplifies_to("def train(g, lr):\n    u = (g / 4) * lr\n    return -(u * 8)\n",
                       "def train(g, lr):\n    return g * lr * -2\n");
}

TEST(SimplifyAlgebra, FactorsTheScaleOfADecaySumIntoTheRate) {
  // Lion's update with its scale spread over the sum: (direction + lambda w) * lr * scale.
  expect_simplifies_to("def train(w, g, lr):\n    return lr * (1.5 * sign(g) + w * 0.15) * 2\n",
                       "def train(w, g, lr):\n    return (sign(g) + w * 0.1) * lr * 3\n");
}

TEST(SimplifyAlgebra, LeavesDecayOutOfInterp) {
  // 0.9 s + 0.1 w is an interp towards w, but reads better as the decay it is.
  const AnalyzedProgram before = program_of("def train(w, g, lr):\n    return (0.9 * sign(g) + 0.1 * w) * lr\n");
  EXPECT_EQ(simplify_algebra(before).program.structural_hash, before.structural_hash);
}

TEST(SimplifyAlgebra, FoldsConstantsAndIdentities) {
  expect_simplifies_to("def train(g, lr):\n    a = 3 - 2\n    b = g * a + 0\n    return (b / 1) * lr\n",
                       "def train(g, lr):\n    return g * lr\n");
  expect_simplifies_to("def train(w, g, lr):\n    u = g + w - w\n    return u * lr\n",
                       "def train(g, lr):\n    return g * lr\n");
  expect_simplifies_to("def train(g, lr):\n    return (2 * g + 1 - 3 + 2) * lr\n",
                       "def train(g, lr):\n    return (2 * g) * lr\n");
}

TEST(SimplifyAlgebra, SignRules) {
  expect_simplifies_to("def train(g, lr):\n    return sign(sign(g * 3)) * lr\n",
                       "def train(g, lr):\n    return sign(g) * lr\n");
  expect_simplifies_to("def train(g, lr):\n    return sign(-0.5 * g) * lr\n",
                       "def train(g, lr):\n    return -sign(g) * lr\n");
  expect_simplifies_to("def train(g, lr):\n    return orthogonalize(g / 7) * lr\n",
                       "def train(g, lr):\n    return orthogonalize(g) * lr\n");
}

TEST(SimplifyAlgebra, KeepsAbsOfSignWhichIsNotOne) {
  // |sign(x)| is 0 where x = 0: rewriting it to 1 would be wrong, so nothing changes.
  const AnalyzedProgram before = program_of("def train(g, lr):\n    return abs(sign(g)) * g * lr\n");
  const AlgebraResult result = simplify_algebra(before);
  EXPECT_EQ(result.program.structural_hash, before.structural_hash);
}

TEST(SimplifyAlgebra, MergesRepeatedInterp) {
  expect_simplifies_to(
      "def train(g, lr, m):\n    c = interp(interp(g, m, 0.5), m, 0.5)\n    m = interp(g, m, 0.9)\n"
      "    return c * lr, m\n",
      "def train(g, lr, m):\n    c = interp(g, m, 0.75)\n    m = interp(g, m, 0.9)\n    return c * lr, m\n");
  expect_simplifies_to(
      "def train(g, lr, m):\n    c = interp(g, interp(g, m, 0.5), 0.5)\n    m = interp(g, m, 0.9)\n"
      "    return c * lr, m\n",
      "def train(g, lr, m):\n    c = interp(g, m, 0.25)\n    m = interp(g, m, 0.9)\n    return c * lr, m\n");
}

TEST(SimplifyAlgebra, LionWrittenOddlyBecomesLion) {
  // Reordered, dead statements, a linear combination instead of interp, scale inside sign.
  const std::string odd =
      "def train(w, g, lr, m, unused):\n"
      "    dead = exp(g) * 3\n"
      "    decay = w * 1.0\n"
      "    m_next = 0.99 * m + 0.01 * g\n"
      "    c = sign(0.9 * m + 0.1 * g)\n"
      "    unused = unused + g\n"
      "    step = 0.5 * (2 * c + 2 * decay)\n"
      "    m = m_next\n"
      "    return step * lr, m, unused\n";
  const std::string lion =
      "def train(w, g, lr, m):\n    update = sign(interp(g, m, 0.9))\n    m = interp(g, m, 0.99)\n"
      "    return (update + w) * lr, m\n";
  const SimplifyReport report = simplify_program(parse_program(odd), {});
  const AnalyzedProgram want = program_of(lion);
  EXPECT_EQ(report.result.structural_hash, want.structural_hash) << format_report(report);
  EXPECT_TRUE(report.equivalent);
  EXPECT_LE(report.behaviour_difference, behaviour_tolerance);
  ASSERT_GE(report.passes.size(), 2u);
  EXPECT_EQ(report.passes[0].name, "dead code");
  EXPECT_LT(report.passes[0].ops_after, report.passes[0].ops_before);
  EXPECT_LT(report.passes[1].ops_after, report.passes[1].ops_before);
}

TEST(SimplifyAlgebra, StateThatStaysZeroIsRemoved) {
  expect_simplifies_to("def train(g, lr, m):\n    m = m * 0.9\n    return (g + m) * lr, m\n",
                       "def train(g, lr):\n    return g * lr\n");
}

TEST(SimplifyAlgebra, RandomProgramsKeepTheirBehaviour) {
  // Property: whatever the rules do to well-typed random programs, the probes cannot tell.
  std::mt19937_64 rng(20240611);
  int simplified = 0, checked = 0;
  for (int trial = 0; trial < 400 && checked < 60; ++trial) {
    const Program random = testing::random_program(rng, 8);
    AnalyzedProgram before;
    try {
      before = analyze(random);
    } catch (const DslError&) {
      continue;
    }
    ++checked;
    const AlgebraResult result = simplify_algebra(before);
    EXPECT_LE(simplification_cost(result.program), simplification_cost(before));
    EXPECT_LE(behaviour_difference(before, result.program), behaviour_tolerance)
        << print_program(random) << "->\n" << print_folded(named_canonical(result.program));
    if (result.program.structural_hash != before.structural_hash) ++simplified;
  }
  EXPECT_GE(checked, 30);
  EXPECT_GT(simplified, 0);
}

TEST(SimplifyProbe, TellsDifferentProgramsApart) {
  const AnalyzedProgram a = program_of("def train(g, lr):\n    return g * lr\n");
  const AnalyzedProgram b = program_of("def train(g, lr):\n    return g * lr * 1.001\n");
  const AnalyzedProgram c = program_of("def train(g, lr):\n    return lr * g\n");
  EXPECT_NEAR(behaviour_difference(a, b), 0.001 / 1.001, 1e-9);
  EXPECT_EQ(behaviour_difference(a, c), 0.0);
}

// A synthetic fitness: 1 minus the behavioural distance to Lion (capped), so that a term
// with no visible effect can go and anything that changes the update cannot.
double closeness_to_lion(const AnalyzedProgram& program) {
  static const AnalyzedProgram lion = program_of(
      "def train(w, g, lr, m):\n    update = sign(interp(g, m, 0.9))\n    m = interp(g, m, 0.99)\n"
      "    return (update + w) * lr, m\n");
  return 1 - std::min(1.0, behaviour_difference(program, lion));
}

TEST(SimplifyAblation, DropsWhatFitnessDoesNotNeedAndReportsTheChange) {
  const std::string noisy =
      "def train(w, g, lr, m, v):\n"
      "    v = interp(square(g), v, 0.999)\n"
      "    update = sign(interp(g, m, 0.9)) + 0.0001 * tanh(v)\n"
      "    m = interp(g, m, 0.99)\n"
      "    return (update + w) * lr, m, v\n";
  SimplifyOptions options;
  options.ablation.tolerance = 0.01;
  const FitnessFunction fitness = closeness_to_lion;
  const SimplifyReport report = simplify_program(parse_program(noisy), options, &fitness);
  EXPECT_FALSE(report.equivalent);
  const AnalyzedProgram lion = program_of(
      "def train(w, g, lr, m):\n    update = sign(interp(g, m, 0.9))\n    m = interp(g, m, 0.99)\n"
      "    return (update + w) * lr, m\n");
  EXPECT_EQ(report.result.structural_hash, lion.structural_hash) << format_report(report);
  ASSERT_TRUE(report.fitness_before && report.fitness_after);
  EXPECT_LT(*report.fitness_before, 1.0);  // the extra term is visible to the fitness...
  EXPECT_GE(*report.fitness_after, *report.fitness_before - 0.01);  // ...but within tolerance
  const auto ablation = std::find_if(report.passes.begin(), report.passes.end(),
                                     [](const SimplifyPass& p) { return p.name == "ablation"; });
  ASSERT_NE(ablation, report.passes.end());
  EXPECT_LT(ablation->ops_after, ablation->ops_before);
  EXPECT_FALSE(ablation->changes.empty());
}

TEST(SimplifyAblation, KeepsWhatFitnessNeeds) {
  const AnalyzedProgram lion = program_of(
      "def train(w, g, lr, m):\n    update = sign(interp(g, m, 0.9))\n    m = interp(g, m, 0.99)\n"
      "    return (update + w) * lr, m\n");
  const AblationResult result = ablate(lion, closeness_to_lion, {0.01, 100});
  EXPECT_EQ(result.program.structural_hash, lion.structural_hash);
  EXPECT_TRUE(result.accepted.empty());
  EXPECT_GT(result.evaluations, 3);  // it did try
}

TEST(SimplifyAblation, ReplacesAValueThatDoesNotMatterByAConstant) {
  // A drift of the momentum coefficient that fitness cannot see; no op can be bypassed to
  // remove it (that would leave t or 1e-12 t as the coefficient), but the drift can be 0.
  const AnalyzedProgram target = program_of(
      "def train(g, lr, m):\n    m = interp(g, m, 0.9)\n    return m * lr, m\n");
  const FitnessFunction near_target = [&target](const AnalyzedProgram& p) {
    return -std::min(1.0, behaviour_difference(p, target));
  };
  SimplifyOptions options;
  options.ablation.tolerance = 0.01;
  const SimplifyReport report = simplify_program(
      parse_program("def train(g, lr, t, m):\n    m = interp(g, m, 0.9 + 1e-12 * t)\n    return m * lr, m\n"),
      options, &near_target);
  EXPECT_EQ(report.result.structural_hash, target.structural_hash) << format_report(report);
  EXPECT_NE(format_report(report).find("replace by a constant"), std::string::npos) << format_report(report);
}

TEST(SimplifyAblation, SkippedWhenTheProgramHasTheWorstFitness) {
  // A program that diverges everywhere scores -1 whatever is dropped: no edit may be accepted.
  const Program program = parse_program("def train(g, lr, m):\n    m = interp(g, m, 0.9)\n    return exp(m) * lr, m\n");
  const FitnessFunction diverges = [](const AnalyzedProgram&) { return -1.0; };
  const SimplifyReport report = simplify_program(program, {}, &diverges);
  EXPECT_EQ(report.result.structural_hash, analyze(program).structural_hash);
  EXPECT_TRUE(report.equivalent);
  bool skipped = false;
  for (const SimplifyPass& pass : report.passes) {
    if (pass.name == "ablation") skipped = !pass.changes.empty() && pass.changes[0].starts_with("skipped");
  }
  EXPECT_TRUE(skipped) << format_report(report);
}

}  // namespace
}  // namespace symopt
