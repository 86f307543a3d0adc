// The op table: every op's row, and the reduction and matrix kernels (elementwise functors
// in elementwise_functors.h, their tile kernels from tile_kernels.h).
#include "dsl/op_table.h"

#include "dsl/elementwise_functors.h"
#include "dsl/tile_kernels.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace symopt {
namespace {

using namespace elementwise_ops;
using namespace tile_kernels;

template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Calls fn with an Eigen expression for the operand: a map of the tile, or a constant.
template <class T, class Fn>
void with_operand(const OperandView<T>& operand, long n, Fn&& fn) {
  if (operand.is_scalar) {
    fn(ArrayX<T>::Constant(n, operand.scalar));
  } else {
    fn(Eigen::Map<const ArrayX<T>>(operand.data, n));
  }
}

template <class T, class Fn>
void with_operands(const OperandView<T>* args, int arity, long n, Fn&& fn) {
  if (arity == 1) {
    with_operand(args[0], n, [&](const auto& x) { fn(x, x, x); });
  } else if (arity == 2) {
    with_operand(args[0], n, [&](const auto& x) {
      with_operand(args[1], n, [&](const auto& y) { fn(x, y, y); });
    });
  } else {
    with_operand(args[0], n, [&](const auto& x) {
      with_operand(args[1], n, [&](const auto& y) {
        with_operand(args[2], n, [&](const auto& z) { fn(x, y, z); });
      });
    });
  }
}

template <class F, int Arity, class T>
void accumulate_kernel(long n, const OperandView<T>* args, double* accumulator) {
  with_operands(args, Arity, n, [&](const auto& x, const auto& y, const auto& z) {
    if constexpr (Arity == 1) F{}(x, accumulator);
    else F{}(x, y, accumulator);
    (void)z;
  });
}

template <class F, class T>
void matrix_kernel(const MatrixView<T>* args, T* out) {
  F{}(args, out);
}

template <class F, int Arity>
OpInfo elementwise(std::string_view name, std::string_view doc, std::string_view infix = {},
                   int precedence = 0, bool commutative = false) {
  OpInfo info;
  info.name = name;
  info.arity = Arity;
  info.type_rule = TypeRule::elementwise;
  info.infix = infix;
  info.precedence = precedence;
  info.commutative = commutative;
  info.doc = doc;
  set_elementwise_kernels<F, Arity>(info.f32);
  set_elementwise_kernels<F, Arity>(info.f64);
  return info;
}

template <class F, int Arity>
OpInfo reduction(std::string_view name, std::string_view doc,
                 double (*finish)(const double*, long), bool commutative = false) {
  OpInfo info;
  info.name = name;
  info.arity = Arity;
  info.type_rule = TypeRule::reduction;
  info.commutative = commutative;
  info.doc = doc;
  info.f32.accumulate = &accumulate_kernel<F, Arity, float>;
  info.f64.accumulate = &accumulate_kernel<F, Arity, double>;
  info.finish = finish;
  return info;
}

template <class F, int Arity>
OpInfo matrix(std::string_view name, TypeRule rule, std::string_view doc) {
  OpInfo info;
  info.name = name;
  info.arity = Arity;
  info.type_rule = rule;
  info.doc = doc;
  info.f32.matrix = &matrix_kernel<F, float>;
  info.f64.matrix = &matrix_kernel<F, double>;
  return info;
}


// ---- reductions: fold a tile into up to three double accumulators ----
struct SumAccumulate {
  void operator()(const auto& x, double* acc) const { acc[0] += double(x.sum()); }
};
struct SquaresAccumulate {
  void operator()(const auto& x, double* acc) const { acc[0] += double(x.square().sum()); }
};
struct MaxAbsAccumulate {
  void operator()(const auto& x, double* acc) const {
    const double tile = double(x.abs().template maxCoeff<Eigen::PropagateNaN>());
    if (std::isnan(tile) || tile > acc[0]) acc[0] = tile;
  }
};
struct DotAccumulate {
  void operator()(const auto& x, const auto& y, double* acc) const {
    acc[0] += double((x * y).sum());
  }
};
struct CosineAccumulate {
  void operator()(const auto& x, const auto& y, double* acc) const {
    acc[0] += double((x * y).sum());
    acc[1] += double(x.square().sum());
    acc[2] += double(y.square().sum());
  }
};
double finish_first(const double* acc, long) { return acc[0]; }
double finish_mean(const double* acc, long count) { return acc[0] / double(count); }
double finish_norm(const double* acc, long) { return std::sqrt(acc[0]); }
double finish_rms(const double* acc, long count) { return std::sqrt(acc[0] / double(count)); }
double finish_cosine(const double* acc, long) {
  // Zero vectors have no direction: 0 keeps programs finite; NaN still propagates.
  const double denominator = std::sqrt(acc[1] * acc[2]);
  return denominator > 0 || std::isnan(denominator) ? acc[0] / denominator : 0.0;
}

// ---- matrix ops over whole row-major tensors ----
template <class T>
Eigen::Map<const RowMatrix<T>> matrix_of(const MatrixView<T>& view) {
  return {view.data, view.rows, view.cols};
}

// A zero tensor has no direction: normalizers map it to zero rather than NaN.
template <class T>
T safe_inverse(T norm) { return norm > T(0) || std::isnan(norm) ? T(1) / norm : T(0); }

struct Normalize {
  template <class T>
  void operator()(const MatrixView<T>* args, T* out) const {
    auto x = matrix_of(args[0]);
    Eigen::Map<RowMatrix<T>>(out, x.rows(), x.cols()) = x * safe_inverse(x.norm());
  }
};
struct RowNormalize {
  template <class T>
  void operator()(const MatrixView<T>* args, T* out) const {
    auto x = matrix_of(args[0]);
    Eigen::Map<RowMatrix<T>> result(out, x.rows(), x.cols());
    for (Eigen::Index r = 0; r < x.rows(); ++r) result.row(r) = x.row(r) * safe_inverse(x.row(r).norm());
  }
};
struct ColNormalize {
  template <class T>
  void operator()(const MatrixView<T>* args, T* out) const {
    auto x = matrix_of(args[0]);
    Eigen::Map<RowMatrix<T>> result(out, x.rows(), x.cols());
    for (Eigen::Index c = 0; c < x.cols(); ++c) result.col(c) = x.col(c) * safe_inverse(x.col(c).norm());
  }
};
struct Orthogonalize {
  // The polar factor U V^T: the steepest direction under the spectral norm (as in Muon and
  // the nuclear-norm Lion-K). Singular values below a relative tolerance are dropped so a
  // rank-deficient input gives the factor of its range, and zero gives zero.
  template <class T>
  void operator()(const MatrixView<T>* args, T* out) const {
    auto x = matrix_of(args[0]);
    Eigen::Map<RowMatrix<T>> result(out, x.rows(), x.cols());
    if (x.rows() == 1 || x.cols() == 1) {
      result = x * safe_inverse(x.norm());
      return;
    }
    Eigen::JacobiSVD<RowMatrix<T>> svd(x, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const auto& sigma = svd.singularValues();
    const T tolerance = sigma.size() ? sigma(0) * T(x.rows() + x.cols()) *
                                           std::numeric_limits<T>::epsilon()
                                     : T(0);
    Eigen::Index rank = 0;
    while (rank < sigma.size() && sigma(rank) > tolerance) ++rank;
    result = svd.matrixU().leftCols(rank) * svd.matrixV().leftCols(rank).transpose();
  }
};
struct Transpose {
  template <class T>
  void operator()(const MatrixView<T>* args, T* out) const {
    auto x = matrix_of(args[0]);
    Eigen::Map<RowMatrix<T>>(out, x.cols(), x.rows()) = x.transpose();
  }
};
struct Matmul {
  template <class T>
  void operator()(const MatrixView<T>* args, T* out) const {
    auto a = matrix_of(args[0]);
    auto b = matrix_of(args[1]);
    Eigen::Map<RowMatrix<T>>(out, a.rows(), b.cols()).noalias() = a * b;
  }
};

// The row with its PyTorch spelling (OpInfo::python).
OpInfo python(std::string_view spelling, OpInfo info) {
  info.python = spelling;
  return info;
}

OpInfo copy_row() {
  OpInfo info = elementwise<Copy, 1>("copy", "copy(x) = x; written `y = x`");
  info.type_rule = TypeRule::copy;
  return info;
}

std::vector<OpInfo> build_table() {
  return {
      python("{0}", copy_row()),
      python("-{0}", elementwise<Neg, 1>("neg", "-x", "-", 3)),
      python("torch.abs({0})", elementwise<Abs, 1>("abs", "|x|")),
      python("torch.sign({0})", elementwise<Sign, 1>("sign", "-1, 0 or 1 by the sign of x; sign(0) = 0")),
      python("torch.square({0})", elementwise<Square, 1>("square", "x^2")),
      python("{0} * {0} * {0}", elementwise<Cube, 1>("cube", "x^3")),
      python("torch.sqrt({0})", elementwise<Sqrt, 1>("sqrt", "square root (NaN below 0)")),
      python("_cbrt({0})", elementwise<Cbrt, 1>("cbrt", "cube root, defined for negative x")),
      python("torch.reciprocal(torch.sqrt({0}))", elementwise<Rsqrt, 1>("rsqrt", "1 / sqrt(x)")),
      python("torch.reciprocal({0})", elementwise<Reciprocal, 1>("reciprocal", "1 / x")),
      python("torch.exp({0})", elementwise<Exp, 1>("exp", "e^x")),
      python("torch.log({0})", elementwise<Log, 1>("log", "natural logarithm (NaN below 0, -inf at 0)")),
      python("torch.log1p({0})", elementwise<Log1p, 1>("log1p", "log(1 + x), accurate near 0")),
      python("torch.sin({0})", elementwise<Sin, 1>("sin", "sine")),
      python("torch.cos({0})", elementwise<Cos, 1>("cos", "cosine")),
      python("torch.tan({0})", elementwise<Tan, 1>("tan", "tangent")),
      python("torch.sinh({0})", elementwise<Sinh, 1>("sinh", "hyperbolic sine")),
      python("torch.cosh({0})", elementwise<Cosh, 1>("cosh", "hyperbolic cosine")),
      python("torch.tanh({0})", elementwise<Tanh, 1>("tanh", "hyperbolic tangent")),
      python("torch.asin({0})", elementwise<Arcsin, 1>("arcsin", "inverse sine (NaN outside [-1, 1])")),
      python("torch.acos({0})", elementwise<Arccos, 1>("arccos", "inverse cosine (NaN outside [-1, 1])")),
      python("torch.atan({0})", elementwise<Arctan, 1>("arctan", "inverse tangent")),
      python("torch.asinh({0})", elementwise<Arcsinh, 1>("arcsinh", "inverse hyperbolic sine")),
      python("torch.reciprocal(1 + torch.exp(-{0}))", elementwise<Sigmoid, 1>("sigmoid", "1 / (1 + e^-x)")),
      python("torch.relu({0})", elementwise<Relu, 1>("relu", "max(x, 0)")),
      python("{0} / (1 + torch.abs({0}))", elementwise<Softsign, 1>("softsign", "x / (1 + |x|)")),
      python("torch.erf({0})", elementwise<Erf, 1>("erf", "Gauss error function")),
      python("{0} + {1}", elementwise<Add, 2>("add", "x + y", "+", 1, true)),
      python("{0} - {1}", elementwise<Sub, 2>("sub", "x - y", "-", 1)),
      python("{0} * {1}", elementwise<Mul, 2>("mul", "x * y", "*", 2, true)),
      python("{0} / {1}", elementwise<Div, 2>("div", "x / y", "/", 2)),
      python("torch.pow({0}, {1})",
        elementwise<Pow, 2>("pow", "x ** y (NaN for negative x and fractional y)", "**", 4)),
      python("torch.maximum({0}, {1})",
        elementwise<Maximum, 2>("maximum", "elementwise max(x, y)", {}, 0, true)),
      python("torch.minimum({0}, {1})",
        elementwise<Minimum, 2>("minimum", "elementwise min(x, y)", {}, 0, true)),
      python("(1 - {2}) * {0} + {2} * {1}",
        elementwise<Interp, 3>("interp", "interp(x, y, a) = (1 - a) * x + a * y")),
      python("torch.minimum(torch.maximum({0}, -{1}), {1})",
        elementwise<Clip, 2>("clip", "clip(x, c): x limited to [-c, c]")),
      python("torch.sqrt(torch.sum({0} * {0}))",
        reduction<SquaresAccumulate, 1>("norm", "L2 norm of x (a scalar)", &finish_norm)),
      python("torch.sqrt(torch.mean({0} * {0}))",
        reduction<SquaresAccumulate, 1>("rms", "root mean square of x", &finish_rms)),
      python("torch.mean({0})", reduction<SumAccumulate, 1>("mean", "mean of x", &finish_mean)),
      python("torch.sum({0})", reduction<SumAccumulate, 1>("sum", "sum of x", &finish_first)),
      python("torch.max(torch.abs({0}))",
        reduction<MaxAbsAccumulate, 1>("max_abs", "largest |x_i|", &finish_first)),
      python("torch.sum({0} * {1})",
        reduction<DotAccumulate, 2>("dot", "sum of x_i * y_i", &finish_first, true)),
      python("_cosine({0}, {1})",
        reduction<CosineAccumulate, 2>("cosine", "dot(x, y) / (norm(x) norm(y)); 0 for a zero input",
                                       &finish_cosine, true)),
      python("_normalize({0})",
        matrix<Normalize, 1>("normalize", TypeRule::shape_kept, "x / norm(x); 0 for x = 0")),
      python("_row_normalize({0})",
        matrix<RowNormalize, 1>("row_normalize", TypeRule::shape_kept,
                                "each row divided by its L2 norm (zero rows stay 0)")),
      python("_col_normalize({0})",
        matrix<ColNormalize, 1>("col_normalize", TypeRule::shape_kept,
                                "each column divided by its L2 norm (zero columns stay 0)")),
      python("_orthogonalize({0})",
        matrix<Orthogonalize, 1>("orthogonalize", TypeRule::shape_kept,
                                 "polar factor U V^T of the matrix; x / norm(x) for a vector")),
      python("torch.transpose({0}, 0, 1)",
        matrix<Transpose, 1>("transpose", TypeRule::transpose, "matrix transpose")),
      python("torch.matmul({0}, {1})",
        matrix<Matmul, 2>("matmul", TypeRule::matmul, "matrix product; inner sizes must agree")),
  };
}

const std::vector<OpInfo>& table() {
  static const std::vector<OpInfo> ops = build_table();  // immutable after first use
  return ops;
}

}  // namespace

std::span<const OpInfo> op_table() { return table(); }

std::optional<int> find_op(std::string_view name) {
  const auto& ops = table();
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].name == name) return static_cast<int>(i);
  }
  return std::nullopt;
}

const OpInfo& op_info(int op) { return table().at(static_cast<std::size_t>(op)); }

std::optional<int> find_infix_op(std::string_view symbol, int arity) {
  const auto& ops = table();
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].infix == symbol && ops[i].arity == arity) return static_cast<int>(i);
  }
  return std::nullopt;
}

int copy_op() { return 0; }

}  // namespace symopt
