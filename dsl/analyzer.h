// Static analysis ("abstract execution"): checks every value's type and symbolic shape for
// all parameter shapes, removes dead code and dead state, hashes the program structurally
// and gives its canonical form. Its output is what the interpreter compiles.
#pragma once

#include "dsl/program.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace symopt {

// A tensor dimension is a symbol: the parameter's rows R or columns C, never a number, so
// a program that checks is valid for every parameter shape.
enum class Dim : std::uint8_t { rows, cols };

struct ValueType {
  bool is_tensor = false;
  Dim rows = Dim::rows;
  Dim cols = Dim::cols;
  static ValueType scalar() { return {}; }
  static ValueType tensor(Dim r, Dim c) { return {true, r, c}; }
  static ValueType parameter_shaped() { return tensor(Dim::rows, Dim::cols); }
  friend bool operator==(const ValueType&, const ValueType&) = default;
};
std::string describe(ValueType type);  // "scalar", "tensor R x C", "tensor C x R", ...

// One value of the program in SSA form.
struct Node {
  enum class Kind : std::uint8_t { input, constant, op };
  Kind kind = Kind::op;
  InputRole role = InputRole::state;  // inputs
  int state = -1;                     // inputs of role state: index among live states
  double constant = 0;                // constants
  int op = -1;                        // ops
  std::array<int, 3> arguments{-1, -1, -1};  // node indices, all smaller than this node's
  ValueType type;
  std::uint64_t hash = 0;
};

struct AnalyzedProgram {
  std::vector<Node> nodes;        // live nodes only, in a canonical topological order
  int update = -1;                // node of the returned update
  std::vector<int> state_outputs; // node of each live state's new value
  std::vector<std::string> state_names;  // live states' names in the source, signature order
  std::uint64_t structural_hash = 0;
  Program canonical;              // renamed, dead-code-free three-address form

  int state_count() const { return static_cast<int>(state_outputs.size()); }
  int op_count() const;           // statements in the canonical form
};

// Throws DslError with the statement's location (or the return's) and what was expected.
AnalyzedProgram analyze(const Program& program);

}  // namespace symopt
