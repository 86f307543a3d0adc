// Test support: a second, deliberately naive implementation of the language semantics
// (whole tensors, std:: scalar math, plain loops) that the interpreter is checked against.
#pragma once

#include "dsl/op_table.h"
#include "dsl/program.h"

#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace symopt::testing {

struct NaiveValue {
  bool tensor = false;
  int rows = 1, cols = 1;
  std::vector<double> data;  // row-major; one entry for a scalar
  double at(std::size_t i) const { return tensor ? data[i] : data[0]; }
};

template <class T>
T naive_sign(T x) { return std::isnan(x) ? x : T((x > 0) - (x < 0)); }
template <class T>
T naive_max(T a, T b) { return std::isnan(a) || std::isnan(b) ? T(NAN) : (a > b ? a : b); }
template <class T>
T naive_min(T a, T b) { return std::isnan(a) || std::isnan(b) ? T(NAN) : (a < b ? a : b); }

// In the precision T, so float overflow of intermediates matches the kernels'.
template <class T>
T naive_elementwise(const std::string& op, T x, T y, T z) {
  if (op == "copy") return x;
  if (op == "neg") return -x;
  if (op == "abs") return std::fabs(x);
  if (op == "sign") return naive_sign(x);
  if (op == "square") return x * x;
  if (op == "cube") return x * x * x;
  if (op == "sqrt") return std::sqrt(x);
  if (op == "cbrt") return std::cbrt(x);
  if (op == "rsqrt") return 1 / std::sqrt(x);
  if (op == "reciprocal") return 1 / x;
  if (op == "exp") return std::exp(x);
  if (op == "log") return std::log(x);
  if (op == "log1p") return std::log1p(x);
  if (op == "sin") return std::sin(x);
  if (op == "cos") return std::cos(x);
  if (op == "tan") return std::tan(x);
  if (op == "sinh") return std::sinh(x);
  if (op == "cosh") return std::cosh(x);
  if (op == "tanh") return std::tanh(x);
  if (op == "arcsin") return std::asin(x);
  if (op == "arccos") return std::acos(x);
  if (op == "arctan") return std::atan(x);
  if (op == "arcsinh") return std::asinh(x);
  if (op == "sigmoid") return 1 / (1 + std::exp(-x));
  if (op == "relu") return std::isnan(x) ? x : (x > 0 ? x : T(0));
  if (op == "softsign") return x / (1 + std::fabs(x));
  if (op == "erf") return std::erf(x);
  if (op == "add") return x + y;
  if (op == "sub") return x - y;
  if (op == "mul") return x * y;
  if (op == "div") return x / y;
  if (op == "pow") return std::pow(x, y);
  if (op == "maximum") return naive_max(x, y);
  if (op == "minimum") return naive_min(x, y);
  if (op == "interp") return (1 - z) * x + z * y;
  if (op == "clip") return naive_min(naive_max(x, -y), y);
  throw std::logic_error("not elementwise: " + op);
}

// Runs one step of `program` on whole tensors; returns the update and new states.
struct NaiveStep {
  NaiveValue update;
  std::vector<NaiveValue> states;
};

inline NaiveStep naive_run(const Program& program, const NaiveValue& w, const NaiveValue& g,
                           double lr, double t, const std::vector<NaiveValue>& states) {
  std::vector<NaiveValue> value(program.variables.size());
  int state_number = 0;
  for (int p : program.parameters) {
    const std::string& name = program.variables[p];
    if (name == "w") value[p] = w;
    else if (name == "g") value[p] = g;
    else if (name == "lr") value[p] = {false, 1, 1, {lr}};
    else if (name == "t") value[p] = {false, 1, 1, {t}};
    else value[p] = states[state_number++];
  }
  for (const Statement& s : program.body) {
    const OpInfo& op = op_info(s.op);
    std::vector<NaiveValue> args;
    for (int i = 0; i < op.arity; ++i) {
      const Operand& a = s.arguments[i];
      args.push_back(a.is_constant() ? NaiveValue{false, 1, 1, {a.constant}} : value[a.variable]);
    }
    const std::string name(op.name);
    NaiveValue out;
    if (op.type_rule == TypeRule::elementwise || op.type_rule == TypeRule::copy) {
      for (const auto& a : args) {
        if (a.tensor) { out.tensor = true; out.rows = a.rows; out.cols = a.cols; }
      }
      const std::size_t n = out.tensor ? std::size_t(out.rows) * out.cols : 1;
      out.data.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        out.data[i] = naive_elementwise<double>(name, args[0].at(i), args.size() > 1 ? args[1].at(i) : 0,
                                        args.size() > 2 ? args[2].at(i) : 0);
      }
    } else if (op.type_rule == TypeRule::reduction) {
      const auto& x = args[0].data;
      double a = 0, b = 0, c = 0;
      for (std::size_t i = 0; i < x.size(); ++i) {
        const double y = args.size() > 1 ? args[1].data[i] : 0;
        if (name == "norm" || name == "rms") a += x[i] * x[i];
        else if (name == "mean" || name == "sum") a += x[i];
        else if (name == "max_abs") a = naive_max(a, std::fabs(x[i]));
        else { a += x[i] * y; b += x[i] * x[i]; c += y * y; }
      }
      double r = a;
      if (name == "norm") r = std::sqrt(a);
      if (name == "rms") r = std::sqrt(a / x.size());
      if (name == "mean") r = a / x.size();
      if (name == "cosine") r = b * c > 0 || std::isnan(b * c) ? a / std::sqrt(b * c) : 0;
      out = {false, 1, 1, {r}};
    } else {
      const NaiveValue& x = args[0];
      out = x;
      if (name == "transpose") {
        out.rows = x.cols; out.cols = x.rows;
        for (int r = 0; r < x.rows; ++r)
          for (int c = 0; c < x.cols; ++c) out.data[c * x.rows + r] = x.data[r * x.cols + c];
      } else if (name == "matmul") {
        const NaiveValue& y = args[1];
        out.rows = x.rows; out.cols = y.cols;
        out.data.assign(std::size_t(x.rows) * y.cols, 0.0);
        for (int r = 0; r < x.rows; ++r)
          for (int c = 0; c < y.cols; ++c)
            for (int k = 0; k < x.cols; ++k) out.data[r * y.cols + c] += x.data[r * x.cols + k] * y.data[k * y.cols + c];
      } else if (name == "normalize" || name == "row_normalize" || name == "col_normalize") {
        auto scale_group = [&](auto index_of, int groups, int members) {
          for (int gi = 0; gi < groups; ++gi) {
            double s = 0;
            for (int m = 0; m < members; ++m) s += x.data[index_of(gi, m)] * x.data[index_of(gi, m)];
            s = std::sqrt(s);
            for (int m = 0; m < members; ++m) out.data[index_of(gi, m)] = s > 0 || std::isnan(s) ? x.data[index_of(gi, m)] / s : 0;
          }
        };
        if (name == "normalize") scale_group([](int, int m) { return m; }, 1, x.rows * x.cols);
        if (name == "row_normalize") scale_group([&](int r, int c) { return r * x.cols + c; }, x.rows, x.cols);
        if (name == "col_normalize") scale_group([&](int c, int r) { return r * x.cols + c; }, x.cols, x.rows);
      } else {
        throw std::logic_error("naive semantics has no " + name);
      }
    }
    value[s.target] = out;
  }
  NaiveStep result;
  result.update = value[program.returns[0]];
  for (std::size_t i = 1; i < program.returns.size(); ++i) result.states.push_back(value[program.returns[i]]);
  return result;
}

}  // namespace symopt::testing
