// `symopt export --format pytorch`: the generated module, run under Debian's PyTorch,
// reproduces the oracle trajectories of PyTorch's own optimizers (Lion, AdamW) in float64,
// and every op of the op table agrees with the interpreter. Skipped, saying so, without torch.
#include "dsl/interpreter.h"
#include "dsl/op_table.h"
#include "dsl/parser.h"
#include "evaluator/oracle.h"
#include "export_python_driver.h"
#include "run_command.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>
#include <set>

namespace symopt {
namespace {

using testing::ExportCase;
using testing::run_symopt;
const std::string programs = SYMOPT_SOURCE_DIR "/programs/";
const std::string oracles = SYMOPT_SHARED_DIR "/oracles/";

// Per process: suites of other build directories may run the same test at the same time.
std::filesystem::path fresh_directory(const std::string& name) {
  const auto directory =
      std::filesystem::temp_directory_path() / fmt::format("symopt_export_{}_{}", name, ::getpid());
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory);
  return directory;
}

std::filesystem::path export_module(const std::string& program, const std::filesystem::path& module) {
  const auto result = run_symopt(fmt::format("export {} --format pytorch --out {}", program, module.string()));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return module;
}

#define SKIP_WITHOUT_TORCH()                                                                          \
  if (!testing::torch_available()) {                                                                  \
    GTEST_SKIP() << "SKIPPED: " << testing::torch_python << " cannot import torch (install python3-torch)"; \
  }

TEST(ExportCli, ModuleHasTheClassTheProgramAndItsStates) {
  const auto result = run_symopt("export " + programs + "adamw.opt --format pytorch");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string& module = result.output;
  EXPECT_NE(module.find("class SymoptOptimizer(torch.optim.Optimizer):"), std::string::npos) << module;
  EXPECT_NE(module.find("def __init__(self, params, lr):"), std::string::npos);
  EXPECT_NE(module.find("def step(self, closure=None):"), std::string::npos);
  EXPECT_NE(module.find("_STATE_NAMES = (\"m\", \"v\")"), std::string::npos) << module;
  // The program text, in the docstring.
  EXPECT_NE(module.find("v = interp(square(g), v, 0.999)"), std::string::npos) << module;
}

TEST(ExportCli, BadInputExitsTwo) {
  auto result = run_symopt("export " + programs + "lion.opt --format tensorflow");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("--format"), std::string::npos) << result.output;
  result = run_symopt("export " + programs + "no_such_program.opt --format pytorch");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  result = run_symopt("export " + programs + "lion.opt");
  EXPECT_EQ(result.exit_code, 2) << result.output;
}

TEST(ExportCli, PytorchModulesReproduceTheOracles) {
  SKIP_WITHOUT_TORCH();
  const auto directory = fresh_directory("oracles");
  struct Run {
    std::string program, oracle, dtype;
    double tolerance;  // DESIGN §8: 1e-10 in float64, about 1e-5 in float32
  };
  std::vector<Run> runs;
  for (const char* dtype : {"float64", "float32"}) {
    const double tolerance = std::string(dtype) == "float64" ? 1e-10 : 1e-5;
    for (const auto& [program, oracle] : std::vector<std::pair<std::string, std::string>>{
             {"lion.opt", "lion_6x5.json"}, {"lion.opt", "lion_7.json"},
             {"adamw.opt", "adamw_6x5.json"}, {"adamw.opt", "adamw_7.json"}}) {
      runs.push_back({program, oracle, dtype, tolerance});
    }
  }
  std::vector<ExportCase> cases;
  std::vector<Oracle> loaded;
  for (const Run& run : runs) {
    const Oracle oracle = load_oracle(oracles + run.oracle);
    ExportCase c;
    c.module = export_module(programs + run.program, directory / (run.program.substr(0, run.program.size() - 4) + ".py"));
    c.shape = oracle.rows == 1 ? std::vector<int>{oracle.cols} : std::vector<int>{oracle.rows, oracle.cols};
    c.w0 = oracle.w0;
    c.grads = oracle.grads;
    c.lr = oracle_learning_rate(oracle);
    c.dtype = run.dtype;
    cases.push_back(c);
    loaded.push_back(oracle);
  }
  const auto driven = testing::run_export_cases(directory, cases);
  ASSERT_EQ(driven.run.exit_code, 0) << driven.run.output;
  ASSERT_EQ(driven.trajectories.size(), runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const double error = max_relative_error(loaded[i], driven.trajectories[i]);
    std::printf("[ export  ] %s under torch on %s (%s, %d steps): largest relative error %.3e (tolerance %.0e)\n",
                runs[i].program.c_str(), runs[i].oracle.c_str(), runs[i].dtype.c_str(), loaded[i].steps, error,
                runs[i].tolerance);
    EXPECT_LE(error, runs[i].tolerance) << runs[i].program << " on " << runs[i].oracle << " in " << runs[i].dtype;
  }
  std::filesystem::remove_all(directory);
}

// A program that applies `op` once (reductions scale g by their value; transpose and matmul
// need each other to come back to the parameter's shape).
std::vector<std::string> programs_using(const OpInfo& op) {
  const std::string name(op.name);
  auto program = [](const std::string& update) { return "def train(w, g, lr):\n    update = " + update + "\n    return update\n"; };
  switch (op.type_rule) {
    case TypeRule::copy: return {"def train(w, g, lr):\n    update = g\n    return update\n"};
    case TypeRule::elementwise:
      if (op.arity == 1) return {program(name + "(g)"), program("w * " + name + "(lr)")};
      if (op.arity == 2) return {program(name + "(g, w)"), program(name + "(g, 0.7)"), program(name + "(lr, w)")};
      return {program(name + "(g, w, 0.3)"), program(name + "(g, w, lr)")};
    case TypeRule::reduction:
      return {program(op.arity == 1 ? "g * " + name + "(w)" : "g * " + name + "(w, g)")};
    case TypeRule::shape_kept: return {program(name + "(g)")};
    case TypeRule::transpose:
    case TypeRule::matmul: return {program("matmul(matmul(g, transpose(w)), w)")};
  }
  return {};
}

// The interpreter's trajectory, in float64, for the same case.
std::vector<std::vector<double>> interpreter_trajectory(const std::string& text, int rows, int cols, const ExportCase& c) {
  auto compiled = std::make_shared<const CompiledProgram>(compile_program(analyze(parse_program(text))));
  ProgramOptimizer<double> optimizer(compiled, rows, cols);
  std::vector<double> w = c.w0;
  std::vector<std::vector<double>> trajectory;
  for (std::size_t t = 0; t < c.grads.size(); ++t) {
    optimizer.step(w, c.grads[t], c.lr, static_cast<long>(t + 1));
    trajectory.push_back(w);
  }
  return trajectory;
}

bool close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= 1e-12 * std::max(1.0, std::max(std::fabs(a), std::fabs(b)));
}

TEST(ExportCli, EveryOpAgreesWithTheInterpreter) {
  SKIP_WITHOUT_TORCH();
  const auto directory = fresh_directory("ops");
  struct Shape {
    int rows, cols;
  };
  const std::vector<Shape> shapes = {{3, 4}, {1, 5}};  // a matrix, and a vector (torch shape [5])
  std::mt19937_64 random(5);
  std::uniform_real_distribution<double> value(-1.5, 1.5);
  std::vector<ExportCase> cases;
  std::vector<std::string> labels, texts;
  std::vector<Shape> case_shapes;
  std::set<std::string> ops_covered;
  int program_index = 0;
  for (const OpInfo& op : op_table()) {
    for (const std::string& text : programs_using(op)) {
      const auto file = directory / fmt::format("op_{}_{}.opt", op.name, program_index++);
      std::ofstream(file) << text;
      const auto module = export_module(file.string(), file.string() + ".py");
      for (const Shape shape : shapes) {
        ExportCase c;
        c.module = module;
        c.shape = shape.rows == 1 ? std::vector<int>{shape.cols} : std::vector<int>{shape.rows, shape.cols};
        for (int i = 0; i < shape.rows * shape.cols; ++i) c.w0.push_back(value(random));
        for (int t = 0; t < 2; ++t) {
          auto& g = c.grads.emplace_back();
          for (int i = 0; i < shape.rows * shape.cols; ++i) g.push_back(value(random));
        }
        c.lr = 0.4;
        cases.push_back(c);
        labels.push_back(fmt::format("{} ({}x{}): {}", op.name, shape.rows, shape.cols, text));
        texts.push_back(text);
        case_shapes.push_back(shape);
      }
    }
    ops_covered.insert(std::string(op.name));
  }
  EXPECT_EQ(ops_covered.size(), op_table().size());
  const auto driven = testing::run_export_cases(directory, cases);
  ASSERT_EQ(driven.run.exit_code, 0) << driven.run.output;
  ASSERT_EQ(driven.trajectories.size(), cases.size());
  int finite_compared = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto expected = interpreter_trajectory(texts[i], case_shapes[i].rows, case_shapes[i].cols, cases[i]);
    for (std::size_t t = 0; t < expected.size(); ++t) {
      for (std::size_t k = 0; k < expected[t].size(); ++k) {
        const double got = driven.trajectories[i][t][k];
        ASSERT_TRUE(close(got, expected[t][k]))
            << labels[i] << "step " << t + 1 << " element " << k << ": torch " << got << ", interpreter " << expected[t][k];
        finite_compared += std::isfinite(got);
      }
    }
  }
  std::printf("[ export  ] %zu op(s) in %zu case(s) agree with the interpreter (%d finite values compared)\n",
              op_table().size(), cases.size(), finite_compared);
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace symopt
