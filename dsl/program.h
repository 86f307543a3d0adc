// A program: one optimizer update rule as a list of three-address statements, the form the
// search mutates. Built by the parser or the mutator; checked by the analyzer.
#pragma once

#include "dsl/dsl_error.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace symopt {

// What a statement argument refers to: a variable (by index into Program::variables) or
// a float literal.
struct Operand {
  enum class Kind : std::uint8_t { variable, constant };
  Kind kind = Kind::variable;
  int variable = -1;
  double constant = 0;

  static Operand of_variable(int index) { return {Kind::variable, index, 0}; }
  static Operand of_constant(double value) { return {Kind::constant, -1, value}; }
  bool is_constant() const { return kind == Kind::constant; }
  friend bool operator==(const Operand&, const Operand&) = default;
};

inline constexpr int max_arity = 3;

// target = op(arguments[0..arity)).
struct Statement {
  int op = 0;      // index into the op table
  int target = -1; // variable index
  std::array<Operand, max_arity> arguments{};
  SourceLocation location{};  // ignored by ==
  friend bool operator==(const Statement& a, const Statement& b) {
    return a.op == b.op && a.target == b.target && a.arguments == b.arguments;
  }
};

// Names with a fixed meaning when they appear in the signature; all others are state.
enum class InputRole : std::uint8_t { weights, gradient, learning_rate, step, state };
InputRole role_of_parameter(const std::string& name);

struct Program {
  std::vector<std::string> variables;  // index -> name; parameters and locals alike
  std::vector<int> parameters;         // signature order, as variable indices
  std::vector<Statement> body;
  // The update first, then each state variable in signature order.
  std::vector<int> returns;
  SourceLocation return_location{};

  int find_variable(const std::string& name) const;  // -1 when absent
  int add_variable(const std::string& name);         // returns its index
  std::vector<int> state_parameters() const;         // signature order
  // Locations are where text came from, not what the program is: == ignores them.
  friend bool operator==(const Program& a, const Program& b) {
    return a.variables == b.variables && a.parameters == b.parameters && a.body == b.body &&
           a.returns == b.returns;
  }
};

// Cap on statements after lowering; keeps search programs and user input bounded.
inline constexpr int max_program_statements = 256;

}  // namespace symopt
