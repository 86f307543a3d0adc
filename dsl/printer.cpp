// Program printing. Both forms share one expression writer; the folded form first decides
// which temporaries can be inlined without reading a variable after it was reassigned.
#include "dsl/printer.h"

#include "dsl/op_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

namespace symopt {
namespace {

constexpr int atom_precedence = 5;
constexpr int negative_literal_precedence = 3;

struct Expression {
  std::string text;
  int precedence = atom_precedence;
};

Expression operand_expression(const Program& program, const Operand& operand,
                              const std::vector<Expression>& inlined,
                              const std::vector<bool>& is_inlined) {
  if (operand.is_constant()) {
    return {format_constant(operand.constant),
            operand.constant < 0 || std::signbit(operand.constant) ? negative_literal_precedence
                                                                   : atom_precedence};
  }
  if (is_inlined[operand.variable]) return inlined[operand.variable];
  return {program.variables[operand.variable], atom_precedence};
}

std::string wrap(const Expression& e, bool parenthesize) {
  return parenthesize ? "(" + e.text + ")" : e.text;
}

Expression statement_expression(const Program& program, const Statement& statement,
                                const std::vector<Expression>& inlined,
                                const std::vector<bool>& is_inlined) {
  const OpInfo& op = op_info(statement.op);
  std::vector<Expression> args;
  for (int i = 0; i < op.arity; ++i) {
    args.push_back(operand_expression(program, statement.arguments[i], inlined, is_inlined));
  }
  if (statement.op == copy_op()) return args[0];
  if (!op.infix.empty() && op.arity == 1) {
    // "-0.5" would read back as a literal, so a negated literal is written "-(0.5)".
    const bool literal = statement.arguments[0].is_constant();
    return {fmt::format("{}{}", op.infix, wrap(args[0], literal || args[0].precedence < op.precedence)),
            op.precedence};
  }
  if (!op.infix.empty() && op.arity == 2) {
    return {fmt::format("{} {} {}", wrap(args[0], args[0].precedence < op.precedence ||
                                                      (op.infix == "**" &&
                                                       args[0].precedence <= op.precedence)),
                        op.infix, wrap(args[1], args[1].precedence <= op.precedence &&
                                                    args[1].precedence != negative_literal_precedence)),
            op.precedence};
  }
  std::string text = fmt::format("{}(", op.name);
  for (std::size_t i = 0; i < args.size(); ++i) {
    text += (i ? ", " : "") + args[i].text;
  }
  return {text + ")", atom_precedence};
}

std::string signature(const Program& program) {
  std::string text = "def train(";
  for (std::size_t i = 0; i < program.parameters.size(); ++i) {
    text += (i ? ", " : "") + program.variables[program.parameters[i]];
  }
  return text + "):\n";
}

std::string return_line(const Program& program) {
  std::string text = "    return ";
  for (std::size_t i = 0; i < program.returns.size(); ++i) {
    text += (i ? ", " : "") + program.variables[program.returns[i]];
  }
  return text + "\n";
}

// Which statements' results can be written inline at their single use.
std::vector<bool> inlinable_statements(const Program& program) {
  const std::size_t n = program.body.size();
  std::vector<int> uses(program.variables.size(), 0);
  std::vector<int> assignments(program.variables.size(), 0);
  for (const Statement& s : program.body) {
    ++assignments[s.target];
    for (int i = 0; i < op_info(s.op).arity; ++i) {
      if (!s.arguments[i].is_constant()) ++uses[s.arguments[i].variable];
    }
  }
  for (int r : program.returns) ++uses[r];
  for (int p : program.parameters) ++assignments[p];

  std::vector<bool> inlinable(n, false);
  // Pending inlinable temporaries: statement index -> variables its text reads.
  std::vector<std::pair<std::size_t, std::set<int>>> pending;
  std::vector<std::set<int>> reads_of_variable(program.variables.size());
  for (std::size_t k = 0; k < n; ++k) {
    const Statement& s = program.body[k];
    std::set<int> reads;
    for (int i = 0; i < op_info(s.op).arity; ++i) {
      if (s.arguments[i].is_constant()) continue;
      const int v = s.arguments[i].variable;
      auto it = std::find_if(pending.begin(), pending.end(),
                             [&](const auto& p) { return program.body[p.first].target == v; });
      if (it != pending.end()) {
        inlinable[it->first] = true;
        reads.insert(it->second.begin(), it->second.end());
        pending.erase(it);
      } else {
        reads.insert(v);
      }
    }
    // Anything pending that reads the variable about to change must be printed in place.
    std::erase_if(pending, [&](const auto& p) { return p.second.contains(s.target); });
    const std::string& name = program.variables[s.target];
    if (!name.empty() && name[0] == '_' && uses[s.target] == 1 && assignments[s.target] == 1) {
      pending.push_back({k, reads});
    }
  }
  return inlinable;
}

std::string print(const Program& program, bool folded) {
  std::vector<bool> inline_statement = folded ? inlinable_statements(program)
                                              : std::vector<bool>(program.body.size(), false);
  std::vector<Expression> inlined(program.variables.size());
  std::vector<bool> is_inlined(program.variables.size(), false);
  std::string text = signature(program);
  for (std::size_t k = 0; k < program.body.size(); ++k) {
    const Statement& s = program.body[k];
    Expression e = statement_expression(program, s, inlined, is_inlined);
    if (inline_statement[k]) {
      inlined[s.target] = e;
      is_inlined[s.target] = true;
    } else {
      text += fmt::format("    {} = {}\n", program.variables[s.target], e.text);
    }
  }
  return text + return_line(program);
}

}  // namespace

std::string format_constant(double value) { return fmt::format("{}", value); }

std::string print_program(const Program& program) { return print(program, false); }
std::string print_folded(const Program& program) { return print(program, true); }

}  // namespace symopt
