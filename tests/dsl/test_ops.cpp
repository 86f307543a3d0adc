// Every op's kernels against the naive std:: semantics, on ordinary and edge values, in
// both precisions and with scalar broadcasting in every argument position.
#include "dsl/op_table.h"
#include "reference_semantics.h"

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

namespace symopt {
namespace {

const std::vector<double> edge_values = {0.0, -0.0, 1.0, -1.0, 0.5, -0.75, 2.5, -3.0,
                                         1e-30, -1e-30, 1e30, -1e30, 88.0, -88.0,
                                         std::numeric_limits<double>::quiet_NaN(),
                                         std::numeric_limits<double>::infinity(),
                                         -std::numeric_limits<double>::infinity()};

template <class T>
bool same_value(double expected, T actual) {
  const double a = static_cast<double>(actual);
  if (std::isnan(expected)) return std::isnan(a);
  if (std::isinf(expected)) return a == expected || std::fabs(a) > 1e37;
  // float overflow to inf where double is finite but huge
  if (std::isinf(a)) return std::fabs(expected) > (sizeof(T) == 4 ? 3e38 : 1.7e308);
  const double tolerance = sizeof(T) == 4 ? 2e-6 : 1e-13;
  const double scale = std::max(1.0, std::fabs(expected));
  // float: also allow flush of values below float's range
  if (sizeof(T) == 4 && std::fabs(expected) < 1e-37) return std::fabs(a) < 1e-30;
  return std::fabs(a - expected) <= tolerance * scale;
}

template <class T>
void check_elementwise_op(const OpInfo& op) {
  // Every combination of edge values in every argument position, as tile and as scalar.
  const int arity = op.arity;
  const std::size_t n = edge_values.size();
  std::size_t combinations = 1;
  for (int i = 0; i < arity; ++i) combinations *= n;
  std::vector<std::vector<T>> columns(arity, std::vector<T>(combinations));
  for (std::size_t c = 0; c < combinations; ++c) {
    std::size_t rest = c;
    for (int i = 0; i < arity; ++i) {
      columns[i][c] = static_cast<T>(edge_values[rest % n]);
      rest /= n;
    }
  }
  std::vector<T> out(combinations);
  std::array<OperandView<T>, 3> args{};
  for (int i = 0; i < arity; ++i) args[i] = {columns[i].data(), 0, false};
  op.kernels<T>().elementwise(static_cast<long>(combinations), args.data(), out.data());
  for (std::size_t c = 0; c < combinations; ++c) {
    const T x = columns[0][c];
    const T y = arity > 1 ? columns[1][c] : T(0);
    const T z = arity > 2 ? columns[2][c] : T(0);
    const double expected = testing::naive_elementwise<T>(std::string(op.name), x, y, z);
    // Transcendentals of huge arguments are ill-conditioned in float; compare where sane.
    const bool ill_conditioned = (op.name == "sin" || op.name == "cos" || op.name == "tan") && std::fabs(x) > 1e3;
    if (ill_conditioned) continue;
    ASSERT_TRUE(same_value<T>(expected, out[c]))
        << op.name << "(" << double(x) << ", " << y << ", " << z << ") = " << double(out[c]) << ", expected " << expected;
  }
  // Scalar broadcast in each position gives the same as a filled tile.
  for (int position = 0; position < arity; ++position) {
    std::array<OperandView<T>, 3> broadcast = args;
    const T scalar = static_cast<T>(0.625);
    std::vector<T> filled(combinations, scalar);
    broadcast[position] = {nullptr, scalar, true};
    std::array<OperandView<T>, 3> tiled = args;
    tiled[position] = {filled.data(), 0, false};
    std::vector<T> from_scalar(combinations), from_tile(combinations);
    op.kernels<T>().elementwise(long(combinations), broadcast.data(), from_scalar.data());
    op.kernels<T>().elementwise(long(combinations), tiled.data(), from_tile.data());
    for (std::size_t c = 0; c < combinations; ++c) {
      ASSERT_TRUE((std::isnan(from_scalar[c]) && std::isnan(from_tile[c])) || from_scalar[c] == from_tile[c])
          << op.name << " broadcast in position " << position;
    }
  }
}

TEST(Ops, EveryElementwiseOpMatchesStdSemanticsInFloatAndDouble) {
  for (const OpInfo& op : op_table()) {
    if (op.type_rule != TypeRule::elementwise && op.type_rule != TypeRule::copy) continue;
    SCOPED_TRACE(std::string(op.name));
    check_elementwise_op<float>(op);
    check_elementwise_op<double>(op);
  }
}

TEST(Ops, SignOfZeroIsZeroAndNaNPropagates) {
  const OpInfo& sign = op_info(*find_op("sign"));
  const std::vector<float> in = {0.0f, -0.0f, 3.0f, -2.0f, NAN};
  std::vector<float> out(in.size());
  OperandView<float> arg{in.data(), 0, false};
  sign.f32.elementwise(long(in.size()), &arg, out.data());
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_EQ(out[2], 1.0f);
  EXPECT_EQ(out[3], -1.0f);
  EXPECT_TRUE(std::isnan(out[4]));
}

TEST(Ops, ReductionsFoldedOverTilesMatchWholeTensorSums) {
  std::vector<double> x(1000), y(1000);
  for (int i = 0; i < 1000; ++i) {
    x[i] = std::sin(i * 0.37) * (i % 7 - 3);
    y[i] = std::cos(i * 0.11) + 0.1;
  }
  for (const char* name : {"norm", "rms", "mean", "sum", "max_abs", "dot", "cosine"}) {
    SCOPED_TRACE(name);
    const OpInfo& op = op_info(*find_op(name));
    double accumulator[3] = {0, 0, 0};
    for (int start = 0; start < 1000; start += 300) {  // uneven tiles
      const long n = std::min(300, 1000 - start);
      OperandView<double> args[2] = {{x.data() + start, 0, false}, {y.data() + start, 0, false}};
      op.f64.accumulate(n, args, accumulator);
    }
    testing::NaiveValue tx{true, 1, 1000, x}, ty{true, 1, 1000, y};
    Program p;
    p.parameters = {p.add_variable("g"), p.add_variable("w")};
    Statement s;
    s.op = *find_op(name);
    s.arguments = {Operand::of_variable(0), Operand::of_variable(1), Operand{}};
    s.target = p.add_variable("r");
    p.body.push_back(s);
    p.returns = {s.target};
    const double expected = testing::naive_run(p, ty, tx, 0, 0, {}).update.data[0];
    EXPECT_NEAR(op.finish(accumulator, 1000), expected, 1e-12 * std::max(1.0, std::fabs(expected)));
  }
}

TEST(Ops, NanInReductionsPropagates) {
  const std::vector<float> x = {1.0f, NAN, 2.0f};
  for (const char* name : {"norm", "sum", "max_abs"}) {
    const OpInfo& op = op_info(*find_op(name));
    double accumulator[3] = {0, 0, 0};
    OperandView<float> arg{x.data(), 0, false};
    op.f32.accumulate(3, &arg, accumulator);
    EXPECT_TRUE(std::isnan(op.finish(accumulator, 3))) << name;
  }
}

TEST(Ops, OrthogonalizeGivesThePolarFactor) {
  // x = Q diag(3, 1) R for rotations Q, R: the polar factor is Q R.
  const double c = std::cos(0.3), s = std::sin(0.3), c2 = std::cos(1.1), s2 = std::sin(1.1);
  Eigen::Matrix2d q, r;
  q << c, -s, s, c;
  r << c2, -s2, s2, c2;
  const Eigen::Matrix<double, 2, 2, Eigen::RowMajor> x = q * Eigen::Vector2d(3, 1).asDiagonal() * r;
  const Eigen::Matrix<double, 2, 2, Eigen::RowMajor> expected = q * r;
  Eigen::Matrix<double, 2, 2, Eigen::RowMajor> out;
  MatrixView<double> arg{x.data(), 2, 2};
  op_info(*find_op("orthogonalize")).f64.matrix(&arg, out.data());
  EXPECT_LT((out - expected).norm(), 1e-12);
  // Zero stays zero.
  const Eigen::Matrix<double, 2, 2, Eigen::RowMajor> zero = Eigen::Matrix2d::Zero();
  MatrixView<double> zero_arg{zero.data(), 2, 2};
  op_info(*find_op("orthogonalize")).f64.matrix(&zero_arg, out.data());
  EXPECT_EQ(out.norm(), 0.0);
}

TEST(Ops, TableIsConsistent) {
  std::set<std::string_view> names;
  for (const OpInfo& op : op_table()) {
    EXPECT_TRUE(names.insert(op.name).second) << "duplicate " << op.name;
    EXPECT_FALSE(op.doc.empty()) << op.name;
    EXPECT_GE(op.arity, 1);
    EXPECT_LE(op.arity, 3);
    const bool has_kernel = op.f32.elementwise || op.f32.accumulate || op.f32.matrix;
    EXPECT_TRUE(has_kernel) << op.name;
  }
  for (const char* required : {"neg", "abs", "sign", "square", "cube", "sqrt", "cbrt", "rsqrt",
                               "reciprocal", "exp", "log", "log1p", "sin", "cos", "tan", "sinh",
                               "cosh", "tanh", "arcsin", "arccos", "arctan", "arcsinh", "sigmoid",
                               "relu", "softsign", "erf", "add", "sub", "mul", "div", "pow",
                               "maximum", "minimum", "interp", "clip", "norm", "rms", "mean",
                               "sum", "max_abs", "dot", "cosine", "normalize", "row_normalize",
                               "col_normalize", "orthogonalize", "transpose", "matmul"}) {
    EXPECT_TRUE(find_op(required).has_value()) << required;
  }
}

}  // namespace
}  // namespace symopt
