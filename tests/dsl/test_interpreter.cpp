// The interpreter against the naive semantics on random programs (float64, several shapes,
// several steps so state handling is exercised), and the no-allocation steady state.
#include "dsl/analyzer.h"
#include "dsl/interpreter.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "random_programs.h"
#include "reference_semantics.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <initializer_list>
#include <new>
#include <utility>

namespace {
std::atomic<long> allocations{0};
}
// GCC pairs the free() below with some inlined call site's view of new and warns
// (-Wmismatched-new-delete); this operator new allocates with malloc, so free is its match.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// The nothrow form too (std::stable_sort's buffer uses it): otherwise a sanitizer's own
// nothrow new would be paired with the free() above (alloc-dealloc mismatch under ASan).
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return ::operator new(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace symopt {
namespace {

testing::NaiveValue random_tensor(std::mt19937_64& rng, int rows, int cols) {
  std::normal_distribution<double> normal;
  testing::NaiveValue v{true, rows, cols, std::vector<double>(std::size_t(rows) * cols)};
  for (double& x : v.data) x = normal(rng);
  return v;
}

bool close(double expected, double actual) {
  if (std::isnan(expected) || std::isnan(actual)) return std::isnan(expected) == std::isnan(actual);
  if (std::isinf(expected)) return expected == actual;
  return std::fabs(expected - actual) <= 1e-9 * std::max(1.0, std::fabs(expected));
}

// Runs `steps` steps through the interpreter and the naive semantics; true when they agree.
::testing::AssertionResult agrees(const Program& program, int rows, int cols, int steps,
                                  std::mt19937_64& rng) {
  const AnalyzedProgram analyzed = analyze(program);
  auto compiled = std::make_shared<const CompiledProgram>(compile_program(analyzed));
  ProgramOptimizer<double> runner(compiled, rows, cols);
  testing::NaiveValue w = random_tensor(rng, rows, cols);
  std::vector<double> weights = w.data;
  std::vector<testing::NaiveValue> states;
  for (std::size_t s = 0; s < program.state_parameters().size(); ++s) {
    states.push_back({true, rows, cols, std::vector<double>(std::size_t(rows) * cols, 0.0)});
  }
  for (int step = 1; step <= steps; ++step) {
    const testing::NaiveValue g = random_tensor(rng, rows, cols);
    const auto expected = testing::naive_run(program, w, g, 0.01, step, states);
    for (std::size_t i = 0; i < w.data.size(); ++i) w.data[i] -= expected.update.at(i);
    states = expected.states;
    runner.step(weights, g.data, 0.01, step);
    for (std::size_t i = 0; i < w.data.size(); ++i) {
      if (!close(w.data[i], weights[i])) {
        return ::testing::AssertionFailure() << "step " << step << " weight " << i << ": expected "
                                             << w.data[i] << " got " << weights[i] << "\n"
                                             << print_program(program);
      }
      if (std::isnan(weights[i])) return ::testing::AssertionSuccess();  // both diverged
    }
  }
  return ::testing::AssertionSuccess();
}

using Shape = std::pair<int, int>;

// Every program text through agrees() at every shape (4 steps each).
void expect_agreement(std::initializer_list<const char*> texts, std::initializer_list<Shape> shapes,
                      std::mt19937_64& rng) {
  for (const char* text : texts) {
    const Program p = parse_program(text);
    for (const Shape& shape : shapes) EXPECT_TRUE(agrees(p, shape.first, shape.second, 4, rng)) << text;
  }
}

TEST(Interpreter, AgreesWithNaiveSemanticsOnRandomPrograms) {
  std::mt19937_64 rng(3);
  int checked = 0;
  for (int i = 0; i < 20000 && checked < 600; ++i) {
    const Program p = testing::random_program(rng, 2 + i % 18);
    try {
      analyze(p);
    } catch (const DslError&) {
      continue;
    }
    // The naive semantics has no SVD; orthogonalize is checked in test_ops.
    const int orthogonalize = *find_op("orthogonalize");
    if (std::any_of(p.body.begin(), p.body.end(), [&](const Statement& s) { return s.op == orthogonalize; })) continue;
    // Odd sizes cross tile boundaries; vectors and matrices both.
    const int shapes[][2] = {{1, 7}, {3, 5}, {37, 41}, {1, 1200}};
    const auto& shape = shapes[checked % 4];
    ASSERT_TRUE(agrees(p, shape[0], shape[1], 3, rng));
    ++checked;
  }
  EXPECT_GE(checked, 600);
}

TEST(Interpreter, HandlesStateSwapsAndOldStateAsUpdate) {
  std::mt19937_64 rng(9);
  expect_agreement(
      {
          "def train(g, m, v):\n    u = m + v + g\n    m = v\n    v = g\n    return u, m, v\n",
          "def train(g, m, v):\n    x = m\n    m = v * 0.5 + g\n    v = x\n    return x, m, v\n",
          "def train(w, g, m):\n    u = m\n    m = interp(g, m, 0.5) + norm(m)\n    return u, m\n",
          "def train(w, g, m):\n    m = w\n    u = g * norm(g)\n    return u, m\n",
          "def train(w, g, lr, m):\n    m = interp(g, m, 0.9)\n    n = m / norm(m)\n    u = lr * (n + w * norm(w))\n    return u, m\n",
          "def train(w, g, lr, m):\n    m = normalize(interp(g, m, 0.9)) + m\n    u = lr * matmul(matmul(m, transpose(w)), g)\n    return u, m\n",
      },
      {{3, 4}, {30, 200}}, rng);
}

// Compiled-form rewrites against the naive semantics: `x * s` folded into its readers
// (also when x is a state written in place later, or the weights), and the update's own
// instruction doing w -= op(args) (not when the weights are read after it).
TEST(Interpreter, FoldedScalingsAndFusedUpdateAgreeWithNaiveSemantics) {
  std::mt19937_64 rng(11);
  expect_agreement(
      {
          "def train(w, g, lr, m):\n    t = m * 0.5\n    m = interp(g, m, 0.9)\n    u = t + m\n    return u * lr, m\n",
          "def train(w, g, lr, m):\n    u = (g + w * 0.1) * lr\n    m = w * 2.0 + g\n    return u, m\n",
          "def train(w, g, lr):\n    s = g * 2.0\n    u = s + w * norm(s)\n    return u * lr\n",
          "def train(w, g, lr):\n    s = 0.5 * w\n    u = s + s * g\n    return lr * (u - s)\n",
          "def train(w, g, lr, m):\n    m = interp(g, m, 0.9)\n    u = sign(m * 3.0 - g * lr)\n    return u * lr, m\n",
          "def train(w, g, lr, m):\n    s = m * lr\n    m = s + g\n    return s, m\n",
      },
      {{3, 4}, {1, 1200}, {30, 200}}, rng);
}

// The update `t * s`: t's own instruction does w -= s * op(args) when t is computed only
// for it in the same tile phase, and not when the weights are read after t, t is also read
// elsewhere or kept as a state, s is computed from a reduction, or t's argument is scaled.
TEST(Interpreter, UpdateScaleFoldedIntoItsOperandAgreesWithNaiveSemantics) {
  std::mt19937_64 rng(13);
  expect_agreement(
      {
          "def train(w, g, lr, m):\n    m = interp(g, m, 0.9)\n    u = (sign(m) + w * 0.5) * lr\n    return u, m\n",
          "def train(w, g, lr, m):\n    m = interp(g, m, 0.9)\n    return lr * interp(g, m, 0.5), m\n",
          "def train(w, g, lr):\n    t = g / (abs(w) + 1.0)\n    u = t * lr\n    return u\n",
          "def train(w, g, lr):\n    t = sqrt(abs(g))\n    x = t + w\n    return t * lr - x * 0.0 + t * x\n",
          "def train(w, g, lr, m):\n    t = g * 2.0 + m\n    m = t\n    return t * lr, m\n",
          "def train(w, g, lr, m):\n    t = square(g)\n    m = w + t\n    return t * lr, m\n",
          "def train(w, g, lr, m):\n    t = abs(g)\n    m = w + g\n    return t * lr, m\n",
          "def train(w, g, lr):\n    t = g - w\n    return t * norm(t)\n",
          "def train(w, g, lr):\n    return (g * 0.5) * lr\n",
          "def train(w, g, lr):\n    return 0.1 * g\n",
      },
      {{3, 4}, {1, 1200}, {30, 200}}, rng);
  // The fold itself happens for AdamW's and Lion's shape of update: no instruction is left
  // that only multiplies by the learning rate.
  const auto compiled = compile_program(analyze(parse_program(
      "def train(w, g, lr, m):\n    m = interp(g, m, 0.9)\n    u = (sign(m) + w * 0.5) * lr\n    return u, m\n")));
  int subtracts = 0, multiplications = 0;
  for (const Phase& phase : compiled.phases) {
    for (const Instruction& instruction : phase.instructions) {
      if (instruction.subtract_from_result) {
        ++subtracts;
        EXPECT_EQ(instruction.result_scale.kind, Slot::Kind::scalar);
      }
      if (instruction.op == *find_op("mul")) ++multiplications;
    }
  }
  EXPECT_EQ(subtracts, 1);
  EXPECT_EQ(multiplications, 0);
}

// Composed kernels (op_fusions.h) against the naive semantics: a unary op computed inside
// its single reader's pass, and the cases where it must not be: the unary result read twice,
// read scaled (a folded `x * s`), kept as a state or returned as the update, read after the
// state it reads was overwritten; readers that are the fused `w -= lr * ...` or run in a
// later phase than the unary op.
TEST(Interpreter, ComposedUnaryOpsAgreeWithNaiveSemantics) {
  std::mt19937_64 rng(17);
  expect_agreement(
      {
          "def train(w, g, lr, m, v):\n    m = interp(g, m, 0.9)\n    v = interp(square(g), v, 0.999)\n"
          "    u = m / (sqrt(v) + 1e-8)\n    u = u + w * 0.01\n    return u * lr, m, v\n",
          "def train(w, g, lr, m):\n    u = sign(interp(g, m, 0.9))\n    m = interp(g, m, 0.99)\n"
          "    return (u + w * 1.0) * lr, m\n",
          "def train(w, g, lr):\n    return (0.5 + sqrt(abs(g))) * lr\n",
          "def train(w, g, lr):\n    s = sqrt(abs(g))\n    return (s + s) * lr\n",
          "def train(w, g, lr):\n    s = sign(g)\n    t = s * 0.5\n    return (t + w) * lr\n",
          "def train(w, g, lr, m):\n    m = sign(g)\n    return (m + w) * lr, m\n",
          "def train(w, g, lr):\n    s = sign(g - w)\n    return s\n",
          "def train(w, g, lr, m):\n    s = square(m)\n    m = interp(g, m, 0.5)\n    u = interp(s, g, 0.9)\n    return u * lr, m\n",
          "def train(w, g, lr, m):\n    m = interp(square(w), m, 0.9)\n    return (sqrt(m) + sign(w)) * lr, m\n",
          "def train(w, g, lr):\n    return sign(w) + sign(g) * lr\n",
          // The reader waits for a reduction: it runs a phase later and reads abs(g) from there.
          "def train(w, g, lr):\n    a = abs(g)\n    return (sqrt(a) + norm(a)) * lr\n",
      },
      {{3, 4}, {1, 1200}, {30, 200}}, rng);
  // AdamW and Lion compile to one pass per statement that is not a composed op: AdamW's
  // square, sqrt and divide, and Lion's sign, run inside their readers.
  const auto count = [](const char* text) {
    const auto compiled = compile_program(analyze(parse_program(text)));
    std::pair<int, int> instructions_and_fusions{0, 0};
    for (const Phase& phase : compiled.phases) {
      if (phase.kind != Phase::Kind::tile) continue;
      for (const Instruction& instruction : phase.instructions) {
        ++instructions_and_fusions.first;
        instructions_and_fusions.second += instruction.fusion >= 0;
      }
    }
    return instructions_and_fusions;
  };
  EXPECT_EQ(count("def train(w, g, lr, m, v):\n    m = interp(g, m, 0.9)\n    v = interp(square(g), v, 0.999)\n"
                  "    u = m / (sqrt(v) + 1e-8)\n    u = u + w * 0.01\n    return u * lr, m, v\n"),
            std::pair(4, 3));
  // The benchmark's other AdamW spelling (adamw.opt, bias-corrected): its divide into the
  // decay's `+` too (the scalar divisions m / c1 and v / c2 have no rule: one pass each).
  EXPECT_EQ(count("def train(w, g, lr, t, m, v):\n    m = interp(g, m, 0.9)\n    v = interp(square(g), v, 0.999)\n"
                  "    m_hat = m / (1 - 0.9 ** t)\n    v_hat = v / (1 - 0.999 ** t)\n"
                  "    update = lr * (m_hat / (sqrt(v_hat) + 1e-08) + 0.1 * w)\n    return update, m, v\n"),
            std::pair(6, 3));
  // The divide reads a folded `x * s`: the rule has no kernel for that kind, not composed.
  EXPECT_EQ(count("def train(w, g, lr):\n    return ((g * 0.5) / (abs(w) + 1.0) + w * 0.25) * lr\n"),
            std::pair(4, 0));
  EXPECT_EQ(count("def train(w, g, lr):\n    return (g / (abs(w) + 1.0) + w * 0.25) * lr\n"),
            std::pair(3, 1));
  EXPECT_EQ(count("def train(w, g, lr, m):\n    u = sign(interp(g, m, 0.9))\n    m = interp(g, m, 0.99)\n"
                  "    return (u + w * 1.0) * lr, m\n"),
            std::pair(3, 1));
  // Read twice or read scaled: not composed.
  EXPECT_EQ(count("def train(w, g, lr):\n    s = sqrt(abs(g))\n    return (s + s) * lr\n").second, 0);
  EXPECT_EQ(count("def train(w, g, lr):\n    s = sign(g)\n    t = s * 0.5\n    return (t + w) * lr\n").second, 0);
}

// Composed binary inner ops (a divide inside its reader's `+`, op_fusions.h) against the
// naive semantics: tensor, scalar and scaled arguments of the divide, the reader's other
// argument being one of the divide's, and the cases where it must not be composed: the
// quotient read twice, kept as a state, the update itself, read scaled; a quotient of a
// state's old value whose reader runs after the state is overwritten; a reader already
// composed with another op; a reader in a later phase (after a reduction).
TEST(Interpreter, ComposedBinaryOpsAgreeWithNaiveSemantics) {
  std::mt19937_64 rng(19);
  expect_agreement(
      {
          "def train(w, g, lr, t, m, v):\n    m = interp(g, m, 0.9)\n    v = interp(square(g), v, 0.999)\n"
          "    m_hat = m / (1 - 0.9 ** t)\n    v_hat = v / (1 - 0.999 ** t)\n"
          "    update = lr * (m_hat / (sqrt(v_hat) + 1e-08) + 0.1 * w)\n    return update, m, v\n",
          "def train(w, g, lr):\n    return (g / (abs(w) + 1.0) + w * 0.5) * lr\n",
          "def train(w, g, lr):\n    return (w * 0.5 + g / (abs(w) + 1.0)) * lr\n",
          "def train(w, g, lr):\n    return ((g * 0.5) / (w * 2.0) + w * 0.25) * lr\n",
          "def train(w, g, lr):\n    return (g / 3.0 + w) * lr\n",
          "def train(w, g, lr):\n    return (3.0 / (abs(g) + 1.0) + 0.5) * lr\n",
          "def train(w, g, lr):\n    return (g / w + w) * lr\n",
          "def train(w, g, lr):\n    q = g / (abs(w) + 1.0)\n    return (q + q) * lr\n",
          "def train(w, g, lr, m):\n    m = g / (abs(w) + 1.0)\n    return (m + w) * lr, m\n",
          "def train(w, g, lr):\n    return g / (abs(w) + 1.0) + w\n",
          "def train(w, g, lr):\n    q = g / (abs(w) + 1.0)\n    return (q * 0.5 + w) * lr\n",
          "def train(w, g, lr, m):\n    q = m / (abs(g) + 1.0)\n    m = interp(g, m, 0.5)\n    return (q + w) * lr, m\n",
          "def train(w, g, lr):\n    return (sign(w) + g / (abs(w) + 1.0)) * lr\n",
          "def train(w, g, lr):\n    q = g / (abs(w) + 1.0)\n    return (q + norm(g)) * lr\n",
          "def train(w, g, lr, m):\n    m = interp(g, m, 0.9)\n    return (m / (sqrt(abs(m)) + 1e-8) + m) * lr, m\n",
      },
      {{3, 4}, {1, 1200}, {30, 200}}, rng);
}

TEST(Interpreter, SteadyStateAllocatesNothing) {
  for (const char* text : {
          "def train(w, g, lr, m, v):\n    m = interp(g, m, 0.9)\n    v = interp(square(g), v, 0.999)\n"
           "    u = lr * (m / (sqrt(v) + 1e-8) + w * 0.01)\n    return u, m, v\n",
          "def train(w, g, lr, m):\n    u = sign(interp(g, m, 0.9))\n    m = interp(g, m, 0.99)\n"
           "    u = (u + w * 1.0) * lr\n    return u, m\n",
          "def train(w, g, lr, t, m):\n    m = interp(g, m, 0.9)\n    u = lr * m / (norm(m) + 1e-8) / (1 - 0.9 ** t)\n    return u, m\n",
       }) {
    auto compiled = std::make_shared<const CompiledProgram>(compile_program(analyze(parse_program(text))));
    ProgramOptimizer<float> runner(compiled, 64, 300);
    std::vector<float> w(64 * 300, 0.5f), g(64 * 300, 0.25f);
    runner.step(w, g, 0.01f, 1);
    const long before = allocations.load();
    for (int t = 2; t < 50; ++t) runner.step(w, g, 0.01f, t);
    EXPECT_EQ(allocations.load() - before, 0) << text;
  }
}

}  // namespace
}  // namespace symopt
