// The fusion rules: which op may be computed inside which reader's pass. Kept to a few rules
// because each one instantiates the reader's kernels again (compile time).
#include "dsl/op_fusions.h"

#include "dsl/elementwise_functors.h"
#include "dsl/program.h"
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

// Outer's functor with argument Position replaced by Inner of the InnerArity arguments that
// start there: one Eigen expression, evaluated packet by packet, each op rounded to T as the
// separate statements are.
template <class Outer, int OuterArity, int Position, class Inner, int InnerArity>
struct Composed {
  template <class... Arguments>
  auto operator()(const Arguments&... arguments) const {
    static_assert(sizeof...(Arguments) == OuterArity - 1 + InnerArity);
    return apply(std::tie(arguments...), std::make_index_sequence<OuterArity>{});
  }

 private:
  template <class Tuple, std::size_t... I>
  auto apply(const Tuple& arguments, std::index_sequence<I...>) const {
    return Outer{}(outer_argument<I>(arguments)...);
  }
  template <std::size_t I, class Tuple>
  auto outer_argument(const Tuple& arguments) const {
    if constexpr (I < Position) return std::get<I>(arguments);
    else if constexpr (I == Position) return inner(arguments, std::make_index_sequence<InnerArity>{});
    else return std::get<I + InnerArity - 1>(arguments);
  }
  template <class Tuple, std::size_t... J>
  auto inner(const Tuple& arguments, std::index_sequence<J...>) const {
    return Inner{}(std::get<Position + J>(arguments)...);
  }
};

// The composed kernel's argument kinds: the reader's other arguments as the op table's
// kernels take them (scaled too for binary readers: the `+ w * wd` of a decay), the inner
// op's arguments tensor or scalar but never only scalars (its result is a tensor, or it would
// not be composed) and never scaled: that kind would double a binary inner op's kernels
// (compile time), so compile_program does not compose an inner op that reads a folded `x * s`.
template <int OuterArity, int Position, int InnerArity>
constexpr KernelKinds composed_kinds() {
  constexpr int arity = OuterArity - 1 + InnerArity;
  static_assert(arity <= max_arity && Position < OuterArity);
  KernelKinds kinds{arity, {}, {}, Position, Position + InnerArity};
  for (int i = 0; i < arity; ++i) {
    const bool of_inner = i >= Position && i < Position + InnerArity;
    kinds.may_be_scalar[i] = true;
    kinds.may_be_scaled[i] = !of_inner && OuterArity == 2;
  }
  return kinds;
}

template <class Outer, int OuterArity, int Position, class Inner, int InnerArity>
OpFusion fusion(std::string_view outer, std::string_view inner) {
  auto op = [](std::string_view name, int arity) {
    const auto index = find_op(name);
    if (!index || op_info(*index).arity != arity || op_info(*index).type_rule != TypeRule::elementwise) {
      throw std::logic_error("op_fusions: no elementwise op '" + std::string(name) + "' of that arity");
    }
    return *index;
  };
  using Kernel = Composed<Outer, OuterArity, Position, Inner, InnerArity>;
  constexpr KernelKinds kinds = composed_kinds<OuterArity, Position, InnerArity>();
  OpFusion rule;
  rule.outer = op(outer, OuterArity);
  rule.position = Position;
  rule.inner = op(inner, InnerArity);
  rule.arity = kinds.arity;
  set_tile_kernels<Kernel, kinds>(rule.f32);
  set_tile_kernels<Kernel, kinds>(rule.f64);
  return rule;
}

std::vector<OpFusion> build_fusions() {
  return {
      // Adam's second moment: interp(square(g), v, beta2).
      fusion<Interp, 3, 0, Square, 1>("interp", "square"),
      // Adam's denominator: sqrt(v) + eps (add is commutative: the canonical order decides).
      fusion<Add, 2, 0, Sqrt, 1>("add", "sqrt"),
      fusion<Add, 2, 1, Sqrt, 1>("add", "sqrt"),
      // Lion's direction plus decay: sign(c) + w * wd.
      fusion<Add, 2, 0, Sign, 1>("add", "sign"),
      fusion<Add, 2, 1, Sign, 1>("add", "sign"),
      // Adam's direction plus decay: m / d + w * wd.
      fusion<Add, 2, 0, Div, 2>("add", "div"),
      fusion<Add, 2, 1, Div, 2>("add", "div"),
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

int argument_count(int op, int fusion) {
  return fusion >= 0 ? op_fusions()[static_cast<std::size_t>(fusion)].arity : op_info(op).arity;
}

}  // namespace symopt
