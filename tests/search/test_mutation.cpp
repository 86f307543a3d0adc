// The mutation operator: each kind does what its description says, kinds are drawn by their
// weights, constants stay finite, programs stay under the length cap and name only defined
// variables.
#include "search_test_support.h"

#include "dsl/analyzer.h"
#include "dsl/op_table.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "search/mutation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

namespace symopt {
namespace {

MutationSettings only(MutationKind kind) {
  MutationSettings settings;
  settings.weights = {0, 0, 0, 0, 0, 0, 0};
  switch (kind) {
    case MutationKind::insert_statement: settings.weights.insert_statement = 1; break;
    case MutationKind::delete_statement: settings.weights.delete_statement = 1; break;
    case MutationKind::change_op: settings.weights.change_op = 1; break;
    case MutationKind::change_argument: settings.weights.change_argument = 1; break;
    case MutationKind::replace_constant: settings.weights.replace_constant = 1; break;
    case MutationKind::perturb_constant: settings.weights.perturb_constant = 1; break;
    case MutationKind::wrap_argument: settings.weights.wrap_argument = 1; break;
  }
  return settings;
}

std::vector<double> constants_of(const Program& p) {
  std::vector<double> values;
  for (const Statement& s : p.body) {
    for (int i = 0; i < op_info(s.op).arity; ++i) {
      if (s.arguments[i].is_constant()) values.push_back(s.arguments[i].constant);
    }
  }
  return values;
}

int differing_statements(const Program& a, const Program& b) {
  int count = 0;
  for (std::size_t k = 0; k < a.body.size(); ++k) count += !(a.body[k] == b.body[k]);
  return count;
}

// Draws one mutation of `parent` with each seed in [0, seeds) and hands it to `check`;
// every draw must apply.
template <class Check>
void for_each_mutation(const Mutator& mutator, const Program& parent, int seeds, Check check) {
  for (int seed = 0; seed < seeds; ++seed) {
    Rng rng(seed);
    const auto m = mutator.mutate(parent, rng);
    ASSERT_TRUE(m) << "seed " << seed;
    check(*m);
  }
}

TEST(Mutation, InsertAddsOneStatementThatReadsOnlyDefinedVariables) {
  const Program adamw = testing::load_program("adamw_search_start.opt");
  const Mutator mutator(only(MutationKind::insert_statement));
  for (int seed = 0; seed < 300; ++seed) {
    Rng rng(seed);
    const auto m = mutator.mutate(adamw, rng);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->kind, MutationKind::insert_statement);
    EXPECT_EQ(m->program.body.size(), adamw.body.size() + 1);
    // The parser refuses undefined names: the inserted statement must parse back.
    EXPECT_NO_THROW(parse_program(print_program(m->program))) << m->description;
    EXPECT_NE(m->description.find("insert at line"), std::string::npos);
  }
}

TEST(Mutation, DeleteRemovesOneStatement) {
  const Program adamw = testing::load_program("adamw_search_start.opt");
  const Mutator mutator(only(MutationKind::delete_statement));
  Rng rng(3);
  const auto m = mutator.mutate(adamw, rng);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->program.body.size(), adamw.body.size() - 1);
}

TEST(Mutation, ChangeOpAndChangeArgumentEditExactlyOneStatement) {
  const Program adamw = testing::load_program("adamw_search_start.opt");
  for (MutationKind kind : {MutationKind::change_op, MutationKind::change_argument}) {
    const Mutator mutator(only(kind));
    int changed = 0;
    for (int seed = 0; seed < 200; ++seed) {
      Rng rng(seed);
      const auto m = mutator.mutate(adamw, rng);
      ASSERT_TRUE(m);
      ASSERT_EQ(m->program.body.size(), adamw.body.size());
      const int differing = differing_statements(adamw, m->program);
      EXPECT_LE(differing, 1) << m->description;
      changed += differing;
      EXPECT_NO_THROW(parse_program(print_program(m->program))) << m->description;
    }
    EXPECT_GT(changed, 150) << mutation_kind_name(kind);  // a few draws may pick the same value again
  }
}

TEST(Mutation, PerturbMultipliesOneConstantByABoundedFactorOrMovesOneMinusIt) {
  const Program adamw = testing::load_program("adamw_search_start.opt");
  MutationSettings settings = only(MutationKind::perturb_constant);
  settings.constant_significant_digits = 0;  // exact factors, checkable below
  const Mutator mutator(settings);
  const std::vector<double> before = constants_of(adamw);
  int one_minus = 0;
  for (int seed = 0; seed < 400; ++seed) {
    Rng rng(seed);
    const auto m = mutator.mutate(adamw, rng);
    ASSERT_TRUE(m);
    const std::vector<double> after = constants_of(m->program);
    ASSERT_EQ(after.size(), before.size());
    int changes = 0;
    for (std::size_t i = 0; i < before.size(); ++i) {
      if (after[i] == before[i]) continue;
      ++changes;
      ASSERT_TRUE(std::isfinite(after[i]));
      const double ratio = after[i] / before[i];
      const double ratio_one_minus = (1 - after[i]) / (1 - before[i]);
      const bool multiplied = ratio >= 0.5 - 1e-12 && ratio <= 2 + 1e-12;
      const bool moved_one_minus = ratio_one_minus >= 0.5 - 1e-9 && ratio_one_minus <= 2 + 1e-9;
      EXPECT_TRUE(multiplied || moved_one_minus) << before[i] << " -> " << after[i];
      one_minus += !multiplied && moved_one_minus;
    }
    EXPECT_EQ(changes, 1) << m->description;
  }
  EXPECT_GT(one_minus, 0);  // betas do move as 1 - c
}

TEST(Mutation, RoundedPerturbationsGiveShortConstants) {
  const Program adamw = testing::load_program("adamw_search_start.opt");
  const Mutator mutator(only(MutationKind::perturb_constant));  // 3 significant digits
  for (int seed = 0; seed < 200; ++seed) {
    Rng rng(seed);
    const auto m = mutator.mutate(adamw, rng);
    ASSERT_TRUE(m);
    for (double c : constants_of(m->program)) {
      // 3 significant digits of c or of 1 - c: at most 3 + leading zeros after the point.
      const std::string text = format_constant(c);
      EXPECT_LE(text.size(), 8u) << text;
    }
  }
}

TEST(Mutation, KindsAreDrawnInProportionToTheirWeights) {
  const Program adamw = testing::load_program("adamw_search_start.opt");
  MutationSettings settings;
  settings.weights = {1, 2, 3, 1, 1, 1, 1};
  const Mutator mutator(settings);
  std::map<MutationKind, int> counts;
  const int draws = 20000;
  for (int seed = 0; seed < draws; ++seed) {
    Rng rng(seed);
    ++counts[mutator.mutate(adamw, rng)->kind];
  }
  const std::map<MutationKind, double> expected = {
      {MutationKind::insert_statement, 0.1}, {MutationKind::delete_statement, 0.2},
      {MutationKind::change_op, 0.3},        {MutationKind::change_argument, 0.1},
      {MutationKind::replace_constant, 0.1}, {MutationKind::perturb_constant, 0.1},
      {MutationKind::wrap_argument, 0.1}};
  for (const auto& [kind, share] : expected) {
    // 5 standard deviations of a binomial share.
    const double tolerance = 5 * std::sqrt(share * (1 - share) / draws);
    EXPECT_NEAR(counts[kind] / double(draws), share, tolerance) << mutation_kind_name(kind);
  }
}

TEST(Mutation, InapplicableKindsAreNeverDrawn) {
  // No constants: only structural kinds apply. At the cap: no insertion.
  const Program sgd = parse_program("def train(g, lr):\n    u = g * lr\n    return u\n");
  MutationSettings settings;
  settings.max_statements = 1;
  const Mutator mutator(settings);
  for (int seed = 0; seed < 500; ++seed) {
    Rng rng(seed);
    const auto m = mutator.mutate(sgd, rng);
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->kind == MutationKind::change_op || m->kind == MutationKind::change_argument)
        << mutation_kind_name(m->kind);
  }
}

TEST(Mutation, LongChainsStayUnderTheCapAndFinite) {
  MutationSettings settings;
  settings.max_statements = 12;
  settings.weights.insert_statement = 3;  // push against the cap
  const Mutator mutator(settings);
  Program program = testing::load_program("adamw_search_start.opt");
  Rng rng(11);
  int valid = 0;
  for (int step = 0; step < 5000; ++step) {
    auto m = mutator.mutate(program, rng);
    ASSERT_TRUE(m);
    ASSERT_LE(static_cast<int>(m->program.body.size()), std::max<int>(12, program.body.size()));
    for (double c : constants_of(m->program)) ASSERT_TRUE(std::isfinite(c));
    try {
      analyze(parse_program(print_program(m->program)));
      program = std::move(m->program);  // walk on through valid programs only
      ++valid;
    } catch (const DslError&) {
    }
  }
  EXPECT_GT(valid, 500);
}

TEST(Mutation, OpSettingRestrictsInsertedOps) {
  MutationSettings settings = only(MutationKind::insert_statement);
  settings.ops = {"sign", "tanh"};
  const Mutator mutator(settings);
  const Program adamw = testing::load_program("adamw_search_start.opt");
  const std::set<int> allowed = {*find_op("sign"), *find_op("tanh")};
  for (int seed = 0; seed < 100; ++seed) {
    Rng rng(seed);
    const auto m = mutator.mutate(adamw, rng);
    ASSERT_TRUE(m);
    int inserted_allowed = 0;
    for (const Statement& s : m->program.body) inserted_allowed += allowed.contains(s.op);
    EXPECT_EQ(inserted_allowed, 1);
  }
}

TEST(Mutation, OneOpChangeTurnsAdamWIntoSignMomentum) {
  // The shortest path to the Lion family exists: update = m / (...) -> update = sign(m).
  const Program adamw = testing::load_program("adamw_search_start.opt");
  MutationSettings settings = only(MutationKind::change_op);
  settings.ops = {"sign"};
  const Mutator mutator(settings);
  bool found = false;
  for (int seed = 0; seed < 200 && !found; ++seed) {
    Rng rng(seed);
    const auto m = mutator.mutate(adamw, rng);
    if (!m) continue;
    try {
      const AnalyzedProgram a = analyze(parse_program(print_program(m->program)));
      found = a.state_count() == 1 && print_folded(a.canonical).find("sign(") != std::string::npos;
    } catch (const DslError&) {
    }
  }
  EXPECT_TRUE(found);
}

TEST(Mutation, WrapFeedsTheWrappedArgumentThroughOneNewStatement) {
  const Program adamw = testing::load_program("adamw_search_start.opt");
  const Mutator mutator(only(MutationKind::wrap_argument));
  for_each_mutation(mutator, adamw, 300, [&](const Mutation& m) {
    ASSERT_EQ(m.program.body.size(), adamw.body.size() + 1);
    // Find the inserted statement: the first place where the child differs from the parent.
    std::size_t k = 0;
    while (k < adamw.body.size() && adamw.body[k] == m.program.body[k]) ++k;
    ASSERT_LT(k, adamw.body.size()) << m.description;
    const Statement& wrapper = m.program.body[k];
    const Statement& consumer = m.program.body[k + 1];
    const Statement& original = adamw.body[k];
    // The consumer is the original statement with exactly one argument replaced by the wrapper.
    int replaced = 0;
    for (int i = 0; i < op_info(original.op).arity; ++i) {
      if (consumer.arguments[i] == original.arguments[i]) continue;
      ++replaced;
      EXPECT_EQ(consumer.arguments[i], Operand::of_variable(wrapper.target)) << m.description;
      bool reads_old = false;
      for (int j = 0; j < op_info(wrapper.op).arity; ++j) reads_old |= wrapper.arguments[j] == original.arguments[i];
      EXPECT_TRUE(reads_old) << m.description;
    }
    EXPECT_EQ(replaced, 1) << m.description;
    EXPECT_EQ(consumer.op, original.op);
    for (std::size_t j = k + 1; j < adamw.body.size(); ++j) EXPECT_EQ(m.program.body[j + 1], adamw.body[j]);
    EXPECT_NO_THROW(parse_program(print_program(m.program))) << print_program(m.program);
  });
}

TEST(Mutation, OneWrapTurnsSignMomentumIntoLion) {
  // sign(m) -> sign(interp(g, m, k)): Lion with beta1 = k * beta2 (m is updated first).
  const Program signum = parse_program(
      "def train(g, lr, m):\n    m = interp(g, m, 0.9)\n    u = lr * sign(m)\n    return u, m\n");
  MutationSettings settings = only(MutationKind::wrap_argument);
  settings.ops = {"interp", "add", "sqrt", "tanh"};
  int found = 0;
  for_each_mutation(Mutator(settings), signum, 400, [&](const Mutation& m) {
    const std::string folded = print_folded(analyze(m.program).canonical);
    found += folded.find("sign(interp(g, s1, 0.") != std::string::npos;
  });
  EXPECT_GT(found, 0);
}

TEST(Mutation, WrapCopyIsAnEarlierStatementReadingTheWrappedValue) {
  const Program adamw = testing::load_program("adamw_search_start.opt");
  MutationSettings settings = only(MutationKind::wrap_argument);
  settings.wrap_copy_probability = 1;
  int copies = 0;
  for_each_mutation(Mutator(settings), adamw, 300, [&](const Mutation& m) {
    std::size_t k = 0;
    while (k < adamw.body.size() && adamw.body[k] == m.program.body[k]) ++k;
    ASSERT_LT(k, adamw.body.size()) << m.description;
    if (k == 0) return;  // nothing before the first statement to copy: a random wrap
    const Statement& wrapper = m.program.body[k];
    int slot = 0;  // the consumer's argument that now reads the wrapper
    while (m.program.body[k + 1].arguments[slot] == adamw.body[k].arguments[slot]) ++slot;
    const Operand wrapped = adamw.body[k].arguments[slot];
    // Some statement before the wrap has the wrapper's op and, but for one slot that now
    // reads the wrapped value, the same arguments.
    bool copied = false;
    for (std::size_t j = 0; j < k && !copied; ++j) {
      const Statement& donor = adamw.body[j];
      if (donor.op != wrapper.op) continue;
      int differing = 0;
      bool reads_wrapped = false;
      for (int i = 0; i < op_info(donor.op).arity; ++i) {
        differing += !(wrapper.arguments[i] == donor.arguments[i]);
        reads_wrapped |= wrapper.arguments[i] == wrapped;
      }
      copied = differing <= 1 && reads_wrapped;
    }
    EXPECT_TRUE(copied) << m.description;
    EXPECT_NE(m.description.find("a copy of line"), std::string::npos) << m.description;
    copies += copied;
  });
  EXPECT_GT(copies, 100);
}

TEST(Mutation, WrapCopyMakesLionFromSignumOneLikelyStep) {
  // Copying `m = interp(g, m, 0.9)` onto sign's argument gives sign(interp(g, m, 0.9)) with m
  // updated first: Lion with beta1 = 0.81, beta2 = 0.9. A random wrap must draw interp, put
  // m in its second slot and g in its first.
  const Program signum = parse_program(
      "def train(g, lr, m):\n    m = interp(g, m, 0.9)\n    u = lr * sign(m)\n    return u, m\n");
  const auto lion_children = [&](double copy_probability) {
    MutationSettings settings = only(MutationKind::wrap_argument);
    settings.wrap_copy_probability = copy_probability;
    int found = 0;
    for_each_mutation(Mutator(settings), signum, 1000, [&](const Mutation& m) {
      try {
        const std::string folded = print_folded(analyze(m.program).canonical);
        found += folded.find("sign(interp(g, s1, 0.9))") != std::string::npos;
      } catch (const DslError&) {
      }
    });
    return found;
  };
  const int by_copy = lion_children(1);
  const int at_random = lion_children(0);
  EXPECT_GE(by_copy, 50) << "expected about 1 in 10 (1 of 5 sites, 1 of 2 slots)";
  EXPECT_GT(by_copy, 10 * std::max(at_random, 1));
}

TEST(Mutation, ReusedOpsComeFromTheProgram) {
  MutationSettings settings = only(MutationKind::insert_statement);
  settings.reuse_op_probability = 1;
  const Program adamw = testing::load_program("adamw_search_start.opt");
  std::set<int> used;
  for (const Statement& s : adamw.body) used.insert(s.op);
  std::set<int> drawn;
  const auto record_ops = [&](const Mutation& m) {
    for (const Statement& s : m.program.body) drawn.insert(s.op);
  };
  for_each_mutation(Mutator(settings), adamw, 200, record_ops);
  EXPECT_EQ(drawn, used);
  settings.reuse_op_probability = 0;
  for_each_mutation(Mutator(settings), adamw, 200, record_ops);
  EXPECT_GT(drawn.size(), used.size());
}

TEST(Mutation, RoundSignificant) {
  EXPECT_EQ(round_significant(0.123456, 3), 0.123);
  EXPECT_EQ(round_significant(98765, 2), 99000);
  EXPECT_EQ(round_significant(-0.0015049, 2), -0.0015);
  EXPECT_EQ(round_significant(1.23456, 0), 1.23456);
}

}  // namespace
}  // namespace symopt
