// Composed kernels: an elementwise op computed inside its single reader's pass (e.g.
// `interp(square(g), v, b)` or `m / d + w * wd` as one pass over the tile instead of two).
// Each rule names an op of the op table, the argument it reads the inner op's result at,
// and the inner op; the kernels come from the ops' own functors, so no op is declared twice.
#pragma once

#include "dsl/op_table.h"

#include <span>
#include <string_view>

namespace symopt {

struct OpFusion {
  int outer = -1;     // the reader (an elementwise op of the op table)
  int position = 0;   // the reader's argument that is inner(...)
  int inner = -1;     // the elementwise op (unary or binary) computed inside the reader
  // The composed kernel's arguments: the reader's, with the one at `position` replaced by
  // the inner op's arguments (in order): outer arity - 1 + inner arity, at most max_arity.
  int arity = 0;
  // The composed kernels, by argument kinds (tile_kernel_index over `arity` kinds), with the
  // same rounding as the two ops run one after the other. Null where the rule has no kernel
  // (the inner op's arguments all scalars or one scaled): such a pair is not composed.
  OpKernels<float> f32;
  OpKernels<double> f64;

  template <class T>
  const OpKernels<T>& kernels() const {
    if constexpr (sizeof(T) == sizeof(float)) return f32; else return f64;
  }
};

std::span<const OpFusion> op_fusions();
// The rule for reading inner(...) at `outer`'s argument `position`, or null.
const OpFusion* find_fusion(int outer, int position, int inner);
// How many arguments an instruction of `op` reads: the op's arity, or the composed kernel's
// when it runs the rule op_fusions()[fusion] (fusion >= 0).
int argument_count(int op, int fusion);

}  // namespace symopt
