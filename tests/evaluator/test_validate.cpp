// The Lion-K validator: known optimizers written as programs are classified correctly (the
// expected member and hyperparameters are those the program text was written with), and the
// theory checks hold for members and fail when given a wrong fit.
#include "common/atomic_file.h"
#include "dsl/parser.h"
#include "evaluator/validate.h"

#include <gtest/gtest.h>


namespace symopt {
namespace {

AnalyzedProgram program_of(const std::string& text) { return analyze(parse_program(text)); }

// The test programs live as files: the project's programs/ and the oddities in tests/programs/.
std::string program_file(const std::string& path) { return read_whole_file(SYMOPT_SOURCE_DIR "/" + path); }

struct Expected {
  KFunction k;
  double beta1, beta2, lambda, lr_scale;
};

ValidationResult expect_member(const std::string& text, Expected expected) {
  // No time limit here: speed is for benchmarks (a loaded machine or a sanitizer build is slow).
  const ValidationResult result = validate_program(program_of(text));
  EXPECT_TRUE(result.member) << to_json(result).dump(2);
  EXPECT_EQ(result.best.k, expected.k) << k_function_name(result.best.k);
  EXPECT_LT(result.best.fit_error, 1e-5);
  EXPECT_NEAR(result.best.beta1, expected.beta1, 1e-6);
  EXPECT_NEAR(result.best.beta2, expected.beta2, 1e-6);
  EXPECT_NEAR(result.best.lambda, expected.lambda, 1e-6);
  EXPECT_NEAR(result.best.lr_scale, expected.lr_scale, 1e-6 * expected.lr_scale);
  return result;
}

void expect_checks_held(const ValidationResult& result, std::size_t count) {
  EXPECT_EQ(result.checks.size(), count) << to_json(result).dump(2);
  for (const TheoryCheck& check : result.checks) {
    EXPECT_TRUE(check.held) << check.name << ": " << check.figures.dump();
  }
}

TEST(Validate, LionAsInTheDesign) {
  // programs/lion.opt is DESIGN §2's Lion, character for character.
  const ValidationResult result = expect_member(program_file("programs/lion.opt"), {KFunction::l1, 0.9, 0.99, 1.0, 1.0});
  expect_checks_held(result, 2);
  const nlohmann::json json = to_json(result);
  EXPECT_EQ(json["k"], "l1");
  EXPECT_EQ(json["member"], true);
  for (const char* key : {"beta1", "beta2", "lambda", "lr_scale", "fit_error"}) EXPECT_TRUE(json[key].is_number()) << key;
}

TEST(Validate, LionWrittenOddly) {
  // Reordered, dead statements and state, sign(0.9 * m + 0.1 * g) instead of interp, the
  // rate scale and the decay spread over several constants: lr_scale 3, lambda 0.1.
  const ValidationResult result =
      expect_member(program_file("tests/programs/lion_written_oddly.opt"), {KFunction::l1, 0.9, 0.99, 0.1, 3.0});
  expect_checks_held(result, 2);
}

TEST(Validate, SignumHasEqualBetas) {
  const ValidationResult result = expect_member(program_file("programs/signum.opt"), {KFunction::l1, 0.95, 0.95, 0.0, 1.0});
  EXPECT_TRUE(result.checks.empty());  // no decay: no set to check
  EXPECT_FALSE(result.notes.empty());
}

TEST(Validate, NormalizedMomentumIsL2) {
  const ValidationResult result =
      expect_member(program_file("programs/normalized_momentum.opt"), {KFunction::l2, 0.8, 0.98, 0.5, 0.7});
  expect_checks_held(result, 2);
}

TEST(Validate, OrthogonalizedMomentumIsNuclear) {
  const ValidationResult result =
      expect_member(program_file("programs/orthogonalized_momentum.opt"), {KFunction::nuclear, 0.9, 0.95, 0.2, 1.0});
  expect_checks_held(result, 2);
}

TEST(Validate, HeavyBallMomentumIsSquaredL2) {
  // torch's SGD momentum (buf = 0.9 buf + g) is 10x an EMA: the sq_l2 member, lr_scale 10.
  expect_member(program_file("programs/sgd_momentum.opt"),
                {KFunction::sq_l2, 0.9, 0.9, 0.0, 10.0});
}

TEST(Validate, AdamWIsNotAMember) {
  const ValidationResult result =
      validate_program(program_of(program_file("programs/adamw.opt")));
  EXPECT_FALSE(result.member);
  EXPECT_GT(result.best.fit_error, 1e-3);
  EXPECT_TRUE(result.checks.empty());
  EXPECT_TRUE(to_json(result)["k"].is_null());
}

TEST(Validate, RowNormalizedMomentumIsNotAMember) {
  // Per-row normalization agrees with l2 on a vector but not on a matrix.
  const ValidationResult result = validate_program(program_of(
      "def train(g, lr, m):\n    m = interp(g, m, 0.9)\n    return row_normalize(m) * lr, m\n"));
  EXPECT_FALSE(result.member) << to_json(result).dump(2);
}

TEST(Validate, ChecksFailForAWrongFit) {
  // Lion with lambda = 1 checked as if lambda were 4: its iterates settle at the box of
  // radius 1, outside the claimed box of radius 1/4 -- the check must say so.
  const AnalyzedProgram lion = program_of(
      "def train(w, g, lr, m):\n    update = sign(interp(g, m, 0.9))\n    m = interp(g, m, 0.99)\n"
      "    return (update + w) * lr, m\n");
  MemberFit wrong{KFunction::l1, 0, 0.9, 0.99, 4.0, 4.0, 0};  // same step, 4x the decay
  wrong.lr_scale = 1.0;
  std::vector<std::string> notes;
  const std::vector<TheoryCheck> checks = check_lion_k_theory(lion, wrong, notes);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_FALSE(checks[0].held) << checks[0].figures.dump();
  EXPECT_FALSE(checks[1].held) << checks[1].figures.dump();
}

}  // namespace
}  // namespace symopt
