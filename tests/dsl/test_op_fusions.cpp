// The composed kernels of op_fusions.h against the unfused ops run one after the other (the
// inner op's kernel into a buffer, then the reader's kernel), bit for bit, on every
// combination of edge values (and several scalar values), in both precisions, for every
// argument-kind combination the two ops take and for both the plain and the
// `out -= scale * op(args)` kernels; unary and binary inner ops.
#include "dsl/op_fusions.h"
#include "dsl/op_table.h"
#include "dsl/program.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace symopt {
namespace {

// Edge values for the tensor arguments (every combination of them over the arguments): zeros
// of both signs, negatives, tiny and huge values, float denormals and overflow, double-only
// magnitudes (inf and 0 in float), NaN and infinities.
const std::vector<double> edge_values = {0.0, -0.0, 1.0, -1.0, 0.5, -0.75, 2.5, 1e-30, -1e-30, 1e30,
                                         -1e30, 1e-40, 3e38, 1e300, -1e-310,
                                         std::numeric_limits<double>::quiet_NaN(),
                                         std::numeric_limits<double>::infinity(),
                                         -std::numeric_limits<double>::infinity()};
// Values for the scalar arguments and the factors of scaled ones (all of a call at once).
const std::vector<double> scalar_values = {-1.5, 0.375, 0.0, -0.0, -2e30, 1e-8,
                                           std::numeric_limits<double>::quiet_NaN(),
                                           std::numeric_limits<double>::infinity()};

template <class T>
bool identical(T a, T b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Every argument-kind combination of `arity` arguments (tensor, scalar, scaled).
std::vector<std::vector<OperandKind>> kind_combinations(int arity) {
  std::vector<std::vector<OperandKind>> result{{}};
  for (int i = 0; i < arity; ++i) {
    std::vector<std::vector<OperandKind>> longer;
    for (const auto& prefix : result) {
      for (int k = 0; k < operand_kinds; ++k) {
        longer.push_back(prefix);
        longer.back().push_back(static_cast<OperandKind>(k));
      }
    }
    result = longer;
  }
  return result;
}

// The composed kernel of `rule` for every argument-kind combination against the unfused
// reference: the inner op's own kernel (for the inner arguments' kinds) into a buffer, then
// the reader's kernel reading that buffer as a tensor. Returns how many kernels it compared.
template <class T>
int check_fusion(const OpFusion& rule) {
  const OpInfo& outer = op_info(rule.outer);
  const OpInfo& inner = op_info(rule.inner);
  const int arity = rule.arity;
  const int first = rule.position;            // the inner op's arguments: [first, last)
  const int last = rule.position + inner.arity;
  EXPECT_EQ(arity, outer.arity - 1 + inner.arity);
  // Columns: every combination of edge values over the arguments (plus random values), so
  // the tile has full SIMD blocks and a tail.
  const std::size_t v = edge_values.size();
  std::size_t combinations = 1;
  for (int i = 0; i < arity; ++i) combinations *= v;
  const std::size_t n = combinations + 37;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  std::vector<std::vector<T>> columns(arity, std::vector<T>(n));
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t rest = c;
    for (int i = 0; i < arity; ++i) {
      columns[i][c] = static_cast<T>(c < combinations ? edge_values[rest % v] : normal(rng));
      rest /= v;
    }
  }

  int checked = 0;
  for (const auto& kinds : kind_combinations(arity)) {
    const std::vector<OperandKind> inner_kinds(kinds.begin() + first, kinds.begin() + last);
    std::vector<OperandKind> outer_kinds(kinds.begin(), kinds.begin() + first);
    outer_kinds.push_back(OperandKind::tensor);  // the reader reads inner's result as a tile
    outer_kinds.insert(outer_kinds.end(), kinds.begin() + last, kinds.end());
    // Composed kernels exist for an inner op with a tensor argument (else it is a scalar and
    // never composed) and without a scaled one (kept out for compile time; not composed).
    const bool inner_is_tensor = std::any_of(inner_kinds.begin(), inner_kinds.end(),
                                             [](OperandKind k) { return k != OperandKind::scalar; });
    const bool inner_reads_scaled = std::any_of(inner_kinds.begin(), inner_kinds.end(),
                                                [](OperandKind k) { return k == OperandKind::scaled; });
    const auto inner_kernel = inner.kernels<T>().tile[tile_kernel_index(inner_kinds)];
    for (const bool subtract : {false, true}) {
      const auto& fused_table = subtract ? rule.kernels<T>().tile_subtract : rule.kernels<T>().tile;
      const auto& plain_table = subtract ? outer.kernels<T>().tile_subtract : outer.kernels<T>().tile;
      const auto fused = fused_table[tile_kernel_index(kinds)];
      const auto plain = plain_table[tile_kernel_index(outer_kinds)];
      // A composed kernel exactly where the unfused ops have kernels and composing can happen.
      EXPECT_EQ(fused != nullptr, inner_is_tensor && !inner_reads_scaled && inner_kernel && plain)
          << outer.name << "(" << inner.name << " at " << first << ") kinds " << tile_kernel_index(kinds)
          << (subtract ? " subtract" : "");
      if (!fused) continue;
      for (const double scalar : scalar_values) {
        TileArguments<T> fused_args, inner_args, plain_args;
        std::vector<T> inner_result(n);
        for (int i = 0; i < arity; ++i) {
          fused_args.data[i] = columns[i].data();
          fused_args.value[i] = static_cast<T>(scalar);
        }
        for (int j = 0; j < inner.arity; ++j) {
          inner_args.data[j] = columns[first + j].data();
          inner_args.value[j] = static_cast<T>(scalar);
        }
        inner_kernel(static_cast<long>(n), inner_args, T(1), inner_result.data());
        for (int i = 0, k = 0; i < outer.arity; ++i) {
          plain_args.data[i] = i == first ? inner_result.data() : columns[k].data();
          plain_args.value[i] = static_cast<T>(scalar);
          k += i == first ? inner.arity : 1;
        }
        std::vector<T> fused_out(n, T(0.25)), plain_out(n, T(0.25));
        fused(static_cast<long>(n), fused_args, T(0.01), fused_out.data());
        plain(static_cast<long>(n), plain_args, T(0.01), plain_out.data());
        for (std::size_t c = 0; c < n; ++c) {
          if (identical(fused_out[c], plain_out[c])) continue;
          ADD_FAILURE() << outer.name << "(" << inner.name << " at " << first << ") kinds "
                        << tile_kernel_index(kinds) << (subtract ? " subtract" : "") << " scalar " << scalar
                        << " element " << c << ": " << fused_out[c] << " vs " << plain_out[c];
          return checked;
        }
      }
      ++checked;
    }
  }
  return checked;
}

TEST(OpFusions, ComposedKernelsEqualTheUnfusedOpsBitForBit) {
  ASSERT_FALSE(op_fusions().empty());
  for (const OpFusion& rule : op_fusions()) {
    EXPECT_GT(check_fusion<float>(rule), 0);
    EXPECT_GT(check_fusion<double>(rule), 0);
  }
}

// The rules the interpreter relies on for AdamW and Lion (the benchmark's pass counts), with
// the argument kinds those programs bind: a binary inner op reads tensors (m / d) and the
// reader's other argument is scaled (w * wd), for both argument orders of `add`.
TEST(OpFusions, BinaryInnerOpsHaveKernelsForAdamWsKinds) {
  const int add = *find_op("add"), div = *find_op("div");
  for (const int position : {0, 1}) {
    const OpFusion* rule = find_fusion(add, position, div);
    ASSERT_NE(rule, nullptr) << position;
    EXPECT_EQ(rule->arity, 3);
    std::vector<OperandKind> kinds(3, OperandKind::tensor);
    kinds[position == 0 ? 2 : 0] = OperandKind::scaled;
    EXPECT_NE(rule->kernels<float>().tile_subtract[tile_kernel_index(kinds)], nullptr);
    EXPECT_NE(rule->kernels<double>().tile[tile_kernel_index(kinds)], nullptr);
    // Both arguments of the inner op scalars: never composed, so no kernel.
    std::vector<OperandKind> scalars(3, OperandKind::tensor);
    scalars[position] = scalars[position + 1] = OperandKind::scalar;
    EXPECT_EQ(rule->kernels<float>().tile[tile_kernel_index(scalars)], nullptr);
  }
}

TEST(OpFusions, RulesNameInnerOpsAndArgumentsOfTheirReaders) {
  for (const OpFusion& rule : op_fusions()) {
    EXPECT_LE(op_info(rule.inner).arity, 2);
    EXPECT_EQ(op_info(rule.inner).type_rule, TypeRule::elementwise);
    EXPECT_LT(rule.position, op_info(rule.outer).arity);
    EXPECT_EQ(rule.arity, op_info(rule.outer).arity - 1 + op_info(rule.inner).arity);
    EXPECT_LE(rule.arity, max_arity);
    EXPECT_EQ(argument_count(rule.outer, static_cast<int>(&rule - op_fusions().data())), rule.arity);
    EXPECT_EQ(find_fusion(rule.outer, rule.position, rule.inner), &rule);
  }
  EXPECT_EQ(find_fusion(*find_op("add"), 0, *find_op("exp")), nullptr);
}

}  // namespace
}  // namespace symopt
