// The op table and the kernel templates that turn one generic Eigen expression per op into
// float and double kernels over tiles (elementwise, reductions) or whole tensors (matrix).
#include "dsl/op_table.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace symopt {
namespace {
template <class T>
struct SignFunctor;
}  // namespace
}  // namespace symopt

// Tells Eigen the sign functor has a packet path.
template <class T>
struct Eigen::internal::functor_traits<symopt::SignFunctor<T>> {
  enum { Cost = 4 * Eigen::NumTraits<T>::AddCost, PacketAccess = true };
};

namespace symopt {
namespace {

template <class T>
using ArrayX = Eigen::Array<T, Eigen::Dynamic, 1>;
template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class Expression>
using ScalarOf = typename std::decay_t<Expression>::Scalar;

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

// An elementwise operand as a source of fixed-size blocks (fully unrolled by Eigen) and of
// one dynamic-size tail: a tile of a tensor, or a scalar broadcast.
template <class T>
struct TensorSource {
  const T* data;
  template <int Size>
  auto block(long i) const { return Eigen::Map<const Eigen::Array<T, Size, 1>>(data + i); }
  auto tail(long i, long n) const { return Eigen::Map<const ArrayX<T>>(data + i, n); }
};
template <class T>
struct ScalarSource {
  T value;
  template <int Size>
  auto block(long) const { return Eigen::Array<T, Size, 1>::Constant(value); }
  auto tail(long, long n) const { return ArrayX<T>::Constant(n, value); }
};

template <class T>
struct ScaledSource {
  const T* data;
  T scale;
  template <int Size>
  auto block(long i) const { return Eigen::Map<const Eigen::Array<T, Size, 1>>(data + i) * scale; }
  auto tail(long i, long n) const { return Eigen::Map<const ArrayX<T>>(data + i, n) * scale; }
};

template <class T, OperandKind Kind>
auto source_of(const TileArguments<T>& args, int i) {
  if constexpr (Kind == OperandKind::tensor) return TensorSource<T>{args.data[i]};
  else if constexpr (Kind == OperandKind::scalar) return ScalarSource<T>{args.value[i]};
  else return ScaledSource<T>{args.data[i], args.value[i]};
}

// out = op(args), or out -= scale * op(args) (Subtract: the interpreter's fused
// `w -= lr * update`; the op's result is rounded to T before it is scaled, as if stored).
// Blocks of four SIMD packets, unrolled, then the tail. Everything by value, so the loop
// keeps it in registers.
template <class F, bool Subtract, class T, class... Sources>
void run_blocks(long n, T* out, T scale, Sources... sources) {
  constexpr int block = 4 * Eigen::internal::packet_traits<T>::size;
  long i = 0;
  for (; i + block <= n; i += block) {
    Eigen::Map<Eigen::Array<T, block, 1>> result(out + i);
    if constexpr (Subtract) result -= scale * F{}(sources.template block<block>(i)...);
    else result = F{}(sources.template block<block>(i)...);
  }
  if (i < n) {
    Eigen::Map<ArrayX<T>> result(out + i, n - i);
    if constexpr (Subtract) result -= scale * F{}(sources.tail(i, n - i)...);
    else result = F{}(sources.tail(i, n - i)...);
  }
}

template <OperandKind... Kinds>
struct KindList {};

// The kernel for one combination of argument kinds.
template <class F, bool Subtract, class T, OperandKind... Kinds, std::size_t... I>
void run_tile(long n, const TileArguments<T>& args, T scale, T* out, KindList<Kinds...>,
              std::index_sequence<I...>) {
  run_blocks<F, Subtract>(n, out, scale, source_of<T, Kinds>(args, static_cast<int>(I))...);
}
template <class F, bool Subtract, class T, OperandKind... Kinds>
void tile_kernel(long n, const TileArguments<T>& args, T scale, T* out) {
  run_tile<F, Subtract>(n, args, scale, out, KindList<Kinds...>{},
                        std::make_index_sequence<sizeof...(Kinds)>{});
}

// Fills `kernels` with one kernel per combination of argument kinds: tensor or scalar per
// argument, and scaled too for binary ops (each kind multiplies the instantiated kernels,
// and compile time with them). No subtract kernel reads only scalars: its result would be
// a scalar, never the weights.
template <class F, int Arity, bool Subtract, class T, OperandKind... Chosen>
void fill_tile_kernels(std::array<TileKernel<T>, tile_kernel_slots>& kernels) {
  if constexpr (sizeof...(Chosen) == Arity) {
    constexpr bool only_scalars = ((Chosen == OperandKind::scalar) && ...);
    if constexpr (!(Subtract && only_scalars)) {
      const std::array<OperandKind, sizeof...(Chosen)> kinds{Chosen...};
      kernels[tile_kernel_index(kinds)] = &tile_kernel<F, Subtract, T, Chosen...>;
    }
  } else {
    fill_tile_kernels<F, Arity, Subtract, T, Chosen..., OperandKind::tensor>(kernels);
    fill_tile_kernels<F, Arity, Subtract, T, Chosen..., OperandKind::scalar>(kernels);
    if constexpr (Arity == 2) fill_tile_kernels<F, Arity, Subtract, T, Chosen..., OperandKind::scaled>(kernels);
  }
}

template <class F, int Arity, class T>
const std::array<TileKernel<T>, tile_kernel_slots>& plain_tile_kernels() {
  static const auto kernels = [] {
    std::array<TileKernel<T>, tile_kernel_slots> table{};
    fill_tile_kernels<F, Arity, false, T>(table);
    return table;
  }();
  return kernels;
}

// The generic entry (an OperandView per argument): looks up the kernel for the views' kinds.
template <class F, int Arity, class T>
void elementwise_kernel(long n, const OperandView<T>* args, T* out) {
  std::array<OperandKind, Arity> kinds{};
  TileArguments<T> arguments;
  for (int i = 0; i < Arity; ++i) {
    if (args[i].is_scalar) {
      kinds[i] = OperandKind::scalar;
      arguments.value[i] = args[i].scalar;
    } else if (Arity == 2 && args[i].scale) {
      kinds[i] = OperandKind::scaled;
      arguments.data[i] = args[i].data;
      arguments.value[i] = *args[i].scale;
    } else {
      kinds[i] = OperandKind::tensor;
      arguments.data[i] = args[i].data;
    }
  }
  plain_tile_kernels<F, Arity, T>()[tile_kernel_index(kinds)](n, arguments, T(1), out);
}

template <class F, int Arity, class T>
void set_elementwise_kernels(OpKernels<T>& kernels) {
  kernels.elementwise = &elementwise_kernel<F, Arity, T>;
  kernels.tile = plain_tile_kernels<F, Arity, T>();
  fill_tile_kernels<F, Arity, true, T>(kernels.tile_subtract);
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

template <class T, class Fn>
auto map_scalar(const auto& x, Fn fn) {
  return x.unaryExpr([fn](T value) { return static_cast<T>(fn(value)); });
}

// ---- elementwise functors (x, y, z are Eigen array expressions) ----
// max/min that return NaN when either side is NaN (Eigen's plain max does not promise it).
auto nan_max(const auto& x, const auto& y) { return (x > y || x.isNaN()).select(x, y); }
auto nan_min(const auto& x, const auto& y) { return (x < y || x.isNaN()).select(x, y); }

struct Copy { auto operator()(const auto& x) const { return x; } };
struct Neg { auto operator()(const auto& x) const { return -x; } };
struct Abs { auto operator()(const auto& x) const { return x.abs(); } };
// sign with sign(0) = 0 (keeping the zero's sign) and sign(NaN) = NaN, as an Eigen functor
// with a packet path: |x| > 0 (false for 0 and NaN) selects 1 with x's sign bit, anything
// else passes x through. Seven bit/compare ops per packet; Eigen's own sign() is scalar.
template <class T>
struct SignFunctor {
  T operator()(const T& x) const { return x > T(0) ? T(1) : x < T(0) ? T(-1) : x; }
  template <class Packet>
  Packet packetOp(const Packet& x) const {
    namespace packet = Eigen::internal;
    const Packet magnitude = packet::pabs(x);
    const Packet nonzero = packet::pcmp_lt(packet::pzero(x), magnitude);
    const Packet unit = packet::por(packet::pset1<Packet>(T(1)), packet::pandnot(x, magnitude));
    return packet::pselect(nonzero, unit, x);
  }
};
struct Sign {
  auto operator()(const auto& x) const { return x.unaryExpr(SignFunctor<ScalarOf<decltype(x)>>{}); }
};
struct Square { auto operator()(const auto& x) const { return x.square(); } };
struct Cube { auto operator()(const auto& x) const { return x.cube(); } };
struct Sqrt { auto operator()(const auto& x) const { return x.sqrt(); } };
struct Cbrt {
  auto operator()(const auto& x) const {
    using T = ScalarOf<decltype(x)>;
    return map_scalar<T>(x, [](T v) { return std::cbrt(v); });
  }
};
struct Rsqrt { auto operator()(const auto& x) const { return x.sqrt().inverse(); } };
struct Reciprocal { auto operator()(const auto& x) const { return x.inverse(); } };
struct Exp { auto operator()(const auto& x) const { return x.exp(); } };
struct Log { auto operator()(const auto& x) const { return x.log(); } };
struct Log1p { auto operator()(const auto& x) const { return x.log1p(); } };
struct Sin { auto operator()(const auto& x) const { return x.sin(); } };
struct Cos { auto operator()(const auto& x) const { return x.cos(); } };
struct Tan { auto operator()(const auto& x) const { return x.tan(); } };
struct Sinh { auto operator()(const auto& x) const { return x.sinh(); } };
struct Cosh { auto operator()(const auto& x) const { return x.cosh(); } };
struct Tanh { auto operator()(const auto& x) const { return x.tanh(); } };
struct Arcsin { auto operator()(const auto& x) const { return x.asin(); } };
struct Arccos { auto operator()(const auto& x) const { return x.acos(); } };
struct Arctan { auto operator()(const auto& x) const { return x.atan(); } };
struct Arcsinh {
  auto operator()(const auto& x) const {
    using T = ScalarOf<decltype(x)>;
    return map_scalar<T>(x, [](T v) { return std::asinh(v); });
  }
};
struct Sigmoid {
  auto operator()(const auto& x) const {
    using T = ScalarOf<decltype(x)>;
    return (T(1) + (-x).exp()).inverse();
  }
};
struct Relu {
  auto operator()(const auto& x) const {
    using T = ScalarOf<decltype(x)>;
    return (x > T(0) || x.isNaN()).select(x, T(0));
  }
};
struct Softsign {
  auto operator()(const auto& x) const {
    using T = ScalarOf<decltype(x)>;
    return x / (T(1) + x.abs());
  }
};
struct Erf {
  auto operator()(const auto& x) const {
    using T = ScalarOf<decltype(x)>;
    return map_scalar<T>(x, [](T v) { return std::erf(v); });
  }
};
struct Add { auto operator()(const auto& x, const auto& y) const { return x + y; } };
struct Sub { auto operator()(const auto& x, const auto& y) const { return x - y; } };
struct Mul { auto operator()(const auto& x, const auto& y) const { return x * y; } };
struct Div { auto operator()(const auto& x, const auto& y) const { return x / y; } };
struct Pow {
  auto operator()(const auto& x, const auto& y) const {
    using T = ScalarOf<decltype(x)>;
    return x.binaryExpr(y, [](T a, T b) { return std::pow(a, b); });
  }
};
struct Maximum {
  auto operator()(const auto& x, const auto& y) const {
    return nan_max(x, y);
  }
};
struct Minimum {
  auto operator()(const auto& x, const auto& y) const {
    return nan_min(x, y);
  }
};
struct Interp {
  auto operator()(const auto& x, const auto& y, const auto& a) const {
    using T = ScalarOf<decltype(x)>;
    return (T(1) - a) * x + a * y;
  }
};
struct Clip {
  auto operator()(const auto& x, const auto& c) const {
    return nan_min(nan_max(x, -c), c);
  }
};

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
