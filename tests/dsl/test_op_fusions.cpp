// The composed kernels of op_fusions.h against the unfused ops run one after the other (the
// inner op's kernel into a buffer, then the reader's kernel), bit for bit, on every
// combination of edge values, in both precisions, for every argument-kind combination the
// reader takes and for both the plain and the `out -= scale * op(args)` kernels.
#include "dsl/op_fusions.h"
#include "dsl/op_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace symopt {
namespace {

const std::vector<double> edge_values = {0.0, -0.0, 1.0, -1.0, 0.5, -0.75, 2.5, 1e-30, -1e-30, 1e30,
                                         -1e30, 1e-40, 3e38, std::numeric_limits<double>::quiet_NaN(),
                                         std::numeric_limits<double>::infinity(),
                                         -std::numeric_limits<double>::infinity()};

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

template <class T>
void check_fusion(const OpFusion& rule) {
  const OpInfo& outer = op_info(rule.outer);
  const OpInfo& inner = op_info(rule.inner);
  const int arity = outer.arity;
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
  // The unfused reference's first step: inner(x) at the composed argument, stored as T.
  std::vector<T> inner_result(n);
  const OperandView<T> inner_argument{columns[rule.position].data(), 0, false};
  inner.kernels<T>().elementwise(static_cast<long>(n), &inner_argument, inner_result.data());

  int checked = 0;
  for (const auto& kinds : kind_combinations(arity)) {
    // The interpreter composes only a tensor argument (inner's result is a tensor).
    if (kinds[rule.position] != OperandKind::tensor) continue;
    const int index = tile_kernel_index(kinds);
    for (const bool subtract : {false, true}) {
      const auto& fused_table = subtract ? rule.kernels<T>().tile_subtract : rule.kernels<T>().tile;
      const auto& plain_table = subtract ? outer.kernels<T>().tile_subtract : outer.kernels<T>().tile;
      ASSERT_EQ(fused_table[index] == nullptr, plain_table[index] == nullptr) << outer.name << " " << index;
      if (!fused_table[index]) continue;
      TileArguments<T> fused_args, plain_args;
      for (int i = 0; i < arity; ++i) {
        fused_args.data[i] = columns[i].data();
        plain_args.data[i] = i == rule.position ? inner_result.data() : columns[i].data();
        fused_args.value[i] = plain_args.value[i] = static_cast<T>(kinds[i] == OperandKind::scaled ? 0.375 : -1.5);
      }
      std::vector<T> fused_out(n, T(0.25)), plain_out(n, T(0.25));
      fused_table[index](static_cast<long>(n), fused_args, T(0.01), fused_out.data());
      plain_table[index](static_cast<long>(n), plain_args, T(0.01), plain_out.data());
      for (std::size_t c = 0; c < n; ++c) {
        ASSERT_TRUE(identical(fused_out[c], plain_out[c]))
            << outer.name << "(" << inner.name << " at " << rule.position << ") kinds " << index
            << (subtract ? " subtract" : "") << " element " << c << ": " << fused_out[c] << " vs "
            << plain_out[c];
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(OpFusions, ComposedKernelsEqualTheUnfusedOpsBitForBit) {
  ASSERT_FALSE(op_fusions().empty());
  for (const OpFusion& rule : op_fusions()) {
    check_fusion<float>(rule);
    check_fusion<double>(rule);
  }
}

TEST(OpFusions, RulesNameUnaryInnerOpsAndArgumentsOfTheirReaders) {
  for (const OpFusion& rule : op_fusions()) {
    EXPECT_EQ(op_info(rule.inner).arity, 1);
    EXPECT_EQ(op_info(rule.inner).type_rule, TypeRule::elementwise);
    EXPECT_LT(rule.position, op_info(rule.outer).arity);
    EXPECT_EQ(find_fusion(rule.outer, rule.position, rule.inner), &rule);
  }
  EXPECT_EQ(find_fusion(*find_op("add"), 0, *find_op("exp")), nullptr);
}

}  // namespace
}  // namespace symopt
