// The fusion rules: which unary op may be computed inside which reader's pass. Kept to a few
// rules because each one instantiates the reader's kernels again (compile time).
#include "dsl/op_fusions.h"

#include "dsl/elementwise_functors.h"
#include "dsl/tile_kernels.h"

#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace symopt {
namespace {

using namespace elementwise_ops;
using namespace tile_kernels;

// Outer's functor with argument Position replaced by Inner(argument): one Eigen expression,
// evaluated packet by packet, each op rounded to T as the separate statements are.
template <class Outer, int Position, class Inner>
struct Composed {
  template <class... Arguments>
  auto operator()(const Arguments&... arguments) const {
    return apply(std::tie(arguments...), std::index_sequence_for<Arguments...>{});
  }

 private:
  template <class Tuple, std::size_t... I>
  auto apply(const Tuple& arguments, std::index_sequence<I...>) const {
    return Outer{}(argument<I>(std::get<I>(arguments))...);
  }
  template <std::size_t I, class X>
  auto argument(const X& x) const {
    if constexpr (I == Position) return Inner{}(x);
    else return x;
  }
};

template <class Outer, int Arity, int Position, class Inner>
OpFusion fusion(std::string_view outer, std::string_view inner) {
  auto op = [](std::string_view name, int arity) {
    const auto index = find_op(name);
    if (!index || op_info(*index).arity != arity || op_info(*index).type_rule != TypeRule::elementwise) {
      throw std::logic_error("op_fusions: no elementwise op '" + std::string(name) + "' of that arity");
    }
    return *index;
  };
  OpFusion rule;
  rule.outer = op(outer, Arity);
  rule.position = Position;
  rule.inner = op(inner, 1);
  set_elementwise_kernels<Composed<Outer, Position, Inner>, Arity>(rule.f32);
  set_elementwise_kernels<Composed<Outer, Position, Inner>, Arity>(rule.f64);
  return rule;
}

std::vector<OpFusion> build_fusions() {
  return {
      // Adam's second moment: interp(square(g), v, beta2).
      fusion<Interp, 3, 0, Square>("interp", "square"),
      // Adam's denominator: sqrt(v) + eps (add is commutative: the canonical order decides).
      fusion<Add, 2, 0, Sqrt>("add", "sqrt"),
      fusion<Add, 2, 1, Sqrt>("add", "sqrt"),
      // Lion's direction plus decay: sign(c) + w * wd.
      fusion<Add, 2, 0, Sign>("add", "sign"),
      fusion<Add, 2, 1, Sign>("add", "sign"),
  };
}

}  // namespace

std::span<const OpFusion> op_fusions() {
  static const std::vector<OpFusion> rules = build_fusions();  // immutable after first use
  return rules;
}

const OpFusion* find_fusion(int outer, int position, int inner) {
  for (const OpFusion& rule : op_fusions()) {
    if (rule.outer == outer && rule.position == position && rule.inner == inner) return &rule;
  }
  return nullptr;
}

}  // namespace symopt
