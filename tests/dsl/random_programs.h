// Test support: seeded random programs (any op, random arguments and targets) for
// property tests. Not all are well typed; callers filter with analyze() where they need to.
#pragma once

#include "dsl/op_table.h"
#include "dsl/program.h"

#include <fmt/format.h>

#include <random>

namespace symopt::testing {

inline Program random_program(std::mt19937_64& rng, int statements, bool include_matrix_ops = true) {
  Program p;
  for (const char* name : {"w", "g", "lr", "t"}) p.parameters.push_back(p.add_variable(name));
  const int states = std::uniform_int_distribution<int>(0, 2)(rng);
  for (int s = 0; s < states; ++s) p.parameters.push_back(p.add_variable(fmt::format("m{}", s + 1)));
  std::vector<int> defined = p.parameters;
  const auto ops = op_table();
  std::uniform_real_distribution<double> unit(0, 1);
  for (int k = 0; k < statements; ++k) {
    int op;
    do {
      op = std::uniform_int_distribution<int>(0, int(ops.size()) - 1)(rng);
    } while (!include_matrix_ops && ops[op].type_rule != TypeRule::elementwise &&
             ops[op].type_rule != TypeRule::copy && ops[op].type_rule != TypeRule::reduction);
    Statement s;
    s.op = op;
    for (int i = 0; i < ops[op].arity; ++i) {
      if (unit(rng) < 0.2) {
        s.arguments[i] = Operand::of_constant(std::round(unit(rng) * 4000 - 2000) / 1000);
      } else {
        s.arguments[i] = Operand::of_variable(defined[std::uniform_int_distribution<std::size_t>(0, defined.size() - 1)(rng)]);
      }
    }
    // Targets: a new temporary, or an existing state (so states get reassigned).
    if (states > 0 && unit(rng) < 0.3) {
      s.target = p.parameters[4 + std::uniform_int_distribution<int>(0, states - 1)(rng)];
    } else {
      s.target = p.add_variable(fmt::format("_{}", k + 1));
      defined.push_back(s.target);
    }
    p.body.push_back(s);
  }
  p.returns.push_back(defined.back());
  for (int s = 0; s < states; ++s) p.returns.push_back(p.parameters[4 + s]);
  return p;
}

}  // namespace symopt::testing
