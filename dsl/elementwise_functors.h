// The elementwise ops as generic functors over Eigen array expressions (x, y, z): one
// definition per op, shared by the op table and the fusion table.
#pragma once

#include <Eigen/Core>

#include <cmath>
#include <type_traits>

namespace symopt::elementwise_ops {
template <class T>
struct SignFunctor;
}  // namespace symopt::elementwise_ops

// Tells Eigen the sign functor has a packet path.
template <class T>
struct Eigen::internal::functor_traits<symopt::elementwise_ops::SignFunctor<T>> {
  enum { Cost = 4 * Eigen::NumTraits<T>::AddCost, PacketAccess = true };
};

namespace symopt::elementwise_ops {

template <class Expression>
using ScalarOf = typename std::decay_t<Expression>::Scalar;

template <class T, class Fn>
auto map_scalar(const auto& x, Fn fn) {
  return x.unaryExpr([fn](T value) { return static_cast<T>(fn(value)); });
}

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

}  // namespace symopt::elementwise_ops
