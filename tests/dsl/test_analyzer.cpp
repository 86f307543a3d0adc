// Static analysis: type and shape errors without running, dead code and dead state, the
// structural hash (equal for renamed/reordered/dead-code variants, different otherwise)
// and the canonical form.
#include "dsl/analyzer.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "random_programs.h"

#include <gtest/gtest.h>

namespace symopt {
namespace {

AnalyzedProgram analyze_text(const std::string& text) { return analyze(parse_program(text)); }

const char* lion =
    "def train(w, g, lr, m):\n"
    "    update = sign(interp(g, m, 0.9))\n"
    "    m = interp(g, m, 0.99)\n"
    "    update = (update + w * 1.0) * lr\n"
    "    return update, m\n";

TEST(Analyzer, EqualHashForRenamedReorderedAndDeadCodeVariants) {
  const auto reference = analyze_text(lion).structural_hash;
  // Renamed variables (state included).
  EXPECT_EQ(analyze_text("def train(w, g, lr, mom):\n"
                         "    direction = sign(interp(g, mom, 0.9))\n"
                         "    mom = interp(g, mom, 0.99)\n"
                         "    step = (direction + w * 1.0) * lr\n"
                         "    return step, mom\n").structural_hash, reference);
  // Independent statements reordered, commutative operands swapped, dead code added.
  EXPECT_EQ(analyze_text("def train(w, g, lr, m):\n"
                         "    decay = 1.0 * w\n"
                         "    junk = exp(g) + norm(w)\n"
                         "    c = interp(g, m, 0.9)\n"
                         "    m = interp(g, m, 0.99)\n"
                         "    update = lr * (decay + sign(c))\n"
                         "    return update, m\n").structural_hash, reference);
}

TEST(Analyzer, DifferentProgramsHashDifferently) {
  const auto reference = analyze_text(lion).structural_hash;
  for (const char* other : {
           // beta2 changed
           "def train(w, g, lr, m):\n    u = (sign(interp(g, m, 0.9)) + w * 1.0) * lr\n    m = interp(g, m, 0.98)\n    return u, m\n",
           // update uses the new momentum
           "def train(w, g, lr, m):\n    m = interp(g, m, 0.99)\n    u = (sign(interp(g, m, 0.9)) + w * 1.0) * lr\n    return u, m\n",
           // non-commutative operands swapped
           "def train(w, g, lr, m):\n    u = (sign(interp(m, g, 0.9)) + w * 1.0) * lr\n    m = interp(g, m, 0.99)\n    return u, m\n",
           // no weight decay
           "def train(w, g, lr, m):\n    u = sign(interp(g, m, 0.9)) * lr\n    m = interp(g, m, 0.99)\n    return u, m\n",
       }) {
    EXPECT_NE(analyze_text(other).structural_hash, reference) << other;
  }
  // Random well-typed programs: distinct canonical texts never share a hash.
  std::mt19937_64 rng(11);
  std::map<std::uint64_t, std::string> seen;
  int checked = 0;
  for (int i = 0; i < 4000; ++i) {
    try {
      const AnalyzedProgram a = analyze(testing::random_program(rng, 1 + i % 12));
      const std::string text = print_program(a.canonical);
      auto [it, inserted] = seen.emplace(a.structural_hash, text);
      if (!inserted) {
        EXPECT_EQ(it->second, text);
      }
      ++checked;
    } catch (const DslError&) {
    }
  }
  EXPECT_GT(checked, 500);
}

TEST(Analyzer, RejectsShapeErrorsWithoutRunning) {
  try {
    analyze_text("def train(g):\n    a = g\n    u = matmul(g, g)\n    return u\n");
    FAIL();
  } catch (const DslError& error) {
    EXPECT_EQ(error.where.line, 3);
    EXPECT_NE(std::string(error.what()).find("matmul"), std::string::npos);
  }
  // g + transpose(g) is valid only for square parameters.
  EXPECT_THROW(analyze_text("def train(g):\n    u = g + transpose(g)\n    return u\n"), DslError);
  // matmul(g, transpose(g)) is R x R: fine inside, but it is not the update's shape.
  EXPECT_THROW(analyze_text("def train(g):\n    u = matmul(g, transpose(g))\n    return u\n"), DslError);
  // ... while a program that brings it back to R x C passes.
  EXPECT_NO_THROW(analyze_text("def train(g):\n    u = matmul(matmul(g, transpose(g)), g)\n    return u\n"));
  // Reductions need tensors; the update must be a tensor.
  EXPECT_THROW(analyze_text("def train(g, lr):\n    u = g * norm(lr)\n    return u\n"), DslError);
  EXPECT_THROW(analyze_text("def train(g, lr):\n    u = norm(g)\n    return u\n"), DslError);
  EXPECT_THROW(analyze_text("def train(g, m):\n    m = norm(g)\n    return g, m\n"), DslError);
}

TEST(Analyzer, ReturnErrors) {
  struct Case { const char* text; const char* message; };
  for (const Case& c : {
           Case{"def train(g, m, v):\n    return g, v, m\n", "mis-ordered return"},
           Case{"def train(g, m, v):\n    return g, m\n", "state variable 'v' not returned"},
           Case{"def train(g, m):\n    x = g\n    return g, x\n", "must be state 'm'"},
           Case{"def train(g):\n    return g, g\n", "return lists 2 values, expected 1"},
       }) {
    try {
      analyze_text(c.text);
      FAIL() << c.text;
    } catch (const DslError& error) {
      EXPECT_NE(std::string(error.what()).find(c.message), std::string::npos) << error.what();
      EXPECT_GT(error.where.line, 0);
    }
  }
}

TEST(Analyzer, RemovesDeadCodeAndDeadState) {
  // v is updated but nothing the update needs reads it: it is dead, with its statements.
  const AnalyzedProgram a = analyze_text(
      "def train(w, g, lr, m, v):\n"
      "    m = interp(g, m, 0.9)\n"
      "    v = interp(square(g), v, 0.999)\n"
      "    dead = exp(w)\n"
      "    update = m * lr\n"
      "    return update, m, v\n");
  EXPECT_EQ(a.state_count(), 1);
  EXPECT_EQ(a.state_names, std::vector<std::string>{"m"});
  EXPECT_EQ(print_program(a.canonical),
            "def train(g, lr, s1):\n    s1 = interp(g, s1, 0.9)\n    _1 = lr * s1\n    return _1, s1\n");
}

TEST(Analyzer, CanonicalFormIsEquivalentAndStable) {
  std::mt19937_64 rng(5);
  int checked = 0;
  for (int i = 0; i < 4000; ++i) {
    try {
      const AnalyzedProgram a = analyze(testing::random_program(rng, 1 + i % 15));
      const AnalyzedProgram again = analyze(parse_program(print_program(a.canonical)));
      ASSERT_EQ(again.structural_hash, a.structural_hash) << print_program(a.canonical);
      ASSERT_EQ(print_program(again.canonical), print_program(a.canonical));
      ++checked;
    } catch (const DslError&) {
    }
  }
  EXPECT_GT(checked, 300);
}

}  // namespace
}  // namespace symopt
