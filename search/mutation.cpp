// One random edit of a program. Each kind is a small function that returns nullopt when it
// cannot apply; the caller only draws kinds that can.
#include "search/mutation.h"

#include "common/input_error.h"
#include "dsl/op_table.h"
#include "dsl/printer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace symopt {
namespace {

constexpr int kind_count = 7;
constexpr double smallest_constant = 1e-30;
constexpr double largest_constant = 1e30;

bool is_input(const Program& program, int variable) {
  for (int p : program.parameters) {
    if (p == variable) return role_of_parameter(program.variables[p]) != InputRole::state;
  }
  return false;
}

// Variables readable just before statement `position`: parameters and earlier targets.
std::vector<int> defined_before(const Program& program, std::size_t position) {
  std::vector<int> defined = program.parameters;
  for (std::size_t k = 0; k < position && k < program.body.size(); ++k) {
    const int target = program.body[k].target;
    if (std::find(defined.begin(), defined.end(), target) == defined.end()) defined.push_back(target);
  }
  return defined;
}

// Variables a statement may write: states and locals, never the inputs w, g, lr, t.
std::vector<int> assignable(const Program& program) {
  std::vector<int> result = program.state_parameters();
  for (const Statement& s : program.body) {
    if (!is_input(program, s.target) && std::find(result.begin(), result.end(), s.target) == result.end()) {
      result.push_back(s.target);
    }
  }
  return result;
}

int fresh_temporary(Program& program) {
  for (int k = 1;; ++k) {
    const std::string name = fmt::format("_{}", k);
    if (program.find_variable(name) < 0) return program.add_variable(name);
  }
}

template <class T>
const T& pick(const std::vector<T>& items, Rng& rng) {
  return items[static_cast<std::size_t>(rng.below(static_cast<int>(items.size())))];
}

// Argument slots where a constant is the natural thing (a rate, a clip bound, an exponent).
bool prefers_constant(int op, int argument) {
  const std::string_view name = op_info(op).name;
  return (name == "interp" && argument == 2) || (name == "clip" && argument == 1) ||
         (name == "pow" && argument == 1);
}

struct ArgumentSite {
  std::size_t statement;
  int argument;
};

// Every argument of every statement whose operand satisfies `wanted`, in program order.
template <class Predicate>
std::vector<ArgumentSite> argument_sites(const Program& program, Predicate wanted) {
  std::vector<ArgumentSite> sites;
  for (std::size_t k = 0; k < program.body.size(); ++k) {
    const Statement& s = program.body[k];
    for (int i = 0; i < op_info(s.op).arity; ++i) {
      if (wanted(s.arguments[i])) sites.push_back({k, i});
    }
  }
  return sites;
}
bool is_variable(const Operand& a) { return !a.is_constant(); }
bool is_constant(const Operand& a) { return a.is_constant(); }
bool is_nonzero_constant(const Operand& a) { return a.is_constant() && a.constant != 0; }

// The allowed ops the program already uses (in order of first use, so draws are reproducible).
std::vector<int> ops_in_use(const Program& program, const std::vector<int>& allowed) {
  std::vector<int> used;
  for (const Statement& s : program.body) {
    if (std::find(allowed.begin(), allowed.end(), s.op) != allowed.end() &&
        std::find(used.begin(), used.end(), s.op) == used.end()) {
      used.push_back(s.op);
    }
  }
  return used;
}

// 1 - r, rounded so that 1 - 0.0015 prints as 0.9985 (r has `digits` significant digits).
double one_minus(double r, int digits) {
  if (r <= 0 || r >= 1) return round_significant(1 - r, digits);
  const int leading_zeros = static_cast<int>(std::ceil(-std::log10(r)));
  return round_significant(1 - r, digits + std::max(0, leading_zeros));
}

std::string line_change(const Program& before, const Program& after, std::size_t k, std::string_view what) {
  return fmt::format("{} at line {}: {}  ->  {}", what, k + 1, statement_text(before, before.body[k]),
                     statement_text(after, after.body[k]));
}

}  // namespace

std::string_view mutation_kind_name(MutationKind kind) {
  switch (kind) {
    case MutationKind::insert_statement: return "insert statement";
    case MutationKind::delete_statement: return "delete statement";
    case MutationKind::change_op: return "change op";
    case MutationKind::change_argument: return "change argument";
    case MutationKind::replace_constant: return "replace constant";
    case MutationKind::perturb_constant: return "perturb constant";
    case MutationKind::wrap_argument: return "wrap argument";
  }
  return "?";
}

std::string statement_text(const Program& program, const Statement& statement) {
  // The printer's own expression form, through a one-statement program.
  Program single;
  single.variables = program.variables;
  single.body = {statement};
  const std::string text = print_program(single);
  const std::size_t start = text.find('\n') + 1;
  const std::size_t end = text.find('\n', start);
  std::string line = text.substr(start, end - start);
  const std::size_t first = line.find_first_not_of(' ');
  return first == std::string::npos ? line : line.substr(first);
}

double round_significant(double value, int digits) {
  if (digits <= 0 || value == 0 || !std::isfinite(value)) return value;
  return std::stod(fmt::format("{:.{}g}", value, digits));
}

Mutator::Mutator(const MutationSettings& settings) : settings_(settings) {
  if (settings_.ops.empty()) {
    for (std::size_t op = 0; op < op_table().size(); ++op) ops_.push_back(static_cast<int>(op));
  } else {
    for (const std::string& name : settings_.ops) {
      const auto op = find_op(name);
      if (!op) throw InputError(fmt::format("mutation.ops: unknown op '{}'", name));
      ops_.push_back(*op);
    }
  }
}

std::optional<Mutation> Mutator::mutate(const Program& parent, Rng& rng) const {
  const MutationSettings& s = settings_;
  const std::size_t length = parent.body.size();
  const bool has_constants = !argument_sites(parent, is_constant).empty();
  const std::array<double, kind_count> weights = {
      static_cast<int>(length) < s.max_statements && !ops_.empty() ? s.weights.insert_statement : 0,
      length >= 2 ? s.weights.delete_statement : 0,
      length >= 1 && !ops_.empty() ? s.weights.change_op : 0,
      length >= 1 ? s.weights.change_argument : 0,
      has_constants ? s.weights.replace_constant : 0,
      !argument_sites(parent, is_nonzero_constant).empty() ? s.weights.perturb_constant : 0,
      static_cast<int>(length) < s.max_statements && !ops_.empty() && !argument_sites(parent, is_variable).empty()
          ? s.weights.wrap_argument
          : 0,
  };
  double total = 0;
  for (double w : weights) total += w;
  if (total <= 0) return std::nullopt;

  auto random_constant = [&] { return pick(s.constant_palette, rng); };
  const std::vector<int> reusable_ops = ops_in_use(parent, ops_);
  auto random_op = [&] {
    // No draw at probability 0: such runs keep the random stream they had before op reuse existed.
    const bool reuse = s.reuse_op_probability > 0 && !reusable_ops.empty() && rng.chance(s.reuse_op_probability);
    return reuse ? pick(reusable_ops, rng) : pick(ops_, rng);
  };
  auto random_operand = [&](const std::vector<int>& defined, int op, int argument) {
    const double constant_chance = prefers_constant(op, argument) ? 0.8 : s.constant_argument_probability;
    if (rng.chance(constant_chance)) return Operand::of_constant(random_constant());
    return Operand::of_variable(pick(defined, rng));
  };

  double draw = rng.uniform() * total;
  int kind = 0;
  while (kind < kind_count - 1 && (weights[kind] <= 0 || draw >= weights[kind])) {
    draw -= weights[kind];
    ++kind;
  }
  Mutation result{parent, static_cast<MutationKind>(kind), {}};
  Program& child = result.program;

  switch (result.kind) {
    case MutationKind::insert_statement: {
      const std::size_t position = static_cast<std::size_t>(rng.below(static_cast<int>(length) + 1));
      const std::vector<int> defined = defined_before(parent, position);
      Statement statement;
      statement.op = random_op();
      for (int i = 0; i < op_info(statement.op).arity; ++i) {
        statement.arguments[i] = random_operand(defined, statement.op, i);
      }
      const std::vector<int> targets = assignable(parent);
      statement.target = targets.empty() || rng.chance(s.new_variable_probability) ? fresh_temporary(child)
                                                                                    : pick(targets, rng);
      child.body.insert(child.body.begin() + static_cast<long>(position), statement);
      result.description = fmt::format("insert at line {}: {}", position + 1, statement_text(child, statement));
      break;
    }
    case MutationKind::delete_statement: {
      const std::size_t k = static_cast<std::size_t>(rng.below(static_cast<int>(length)));
      result.description = fmt::format("delete line {}: {}", k + 1, statement_text(parent, parent.body[k]));
      child.body.erase(child.body.begin() + static_cast<long>(k));
      break;
    }
    case MutationKind::change_op: {
      const std::size_t k = static_cast<std::size_t>(rng.below(static_cast<int>(length)));
      Statement& statement = child.body[k];
      const int old_arity = op_info(statement.op).arity;
      int op = random_op();
      for (int attempt = 0; attempt < 8 && op == statement.op; ++attempt) op = random_op();
      if (op == statement.op) return std::nullopt;  // the op set has only this op
      statement.op = op;
      const std::vector<int> defined = defined_before(parent, k);
      for (int i = old_arity; i < op_info(op).arity; ++i) statement.arguments[i] = random_operand(defined, op, i);
      for (int i = op_info(op).arity; i < max_arity; ++i) statement.arguments[i] = Operand{};
      result.description = line_change(parent, child, k, "change op");
      break;
    }
    case MutationKind::change_argument: {
      const std::size_t k = static_cast<std::size_t>(rng.below(static_cast<int>(length)));
      Statement& statement = child.body[k];
      const int i = rng.below(op_info(statement.op).arity);
      const std::vector<int> defined = defined_before(parent, k);
      const Operand old = statement.arguments[i];
      for (int attempt = 0; attempt < 8 && statement.arguments[i] == old; ++attempt) {
        statement.arguments[i] = random_operand(defined, statement.op, i);
      }
      result.description = line_change(parent, child, k, fmt::format("change argument {}", i + 1));
      break;
    }
    case MutationKind::replace_constant: {
      const ArgumentSite site = pick(argument_sites(parent, is_constant), rng);
      Operand& operand = child.body[site.statement].arguments[site.argument];
      const double old = operand.constant;
      for (int attempt = 0; attempt < 8 && operand.constant == old; ++attempt) operand.constant = random_constant();
      result.description = line_change(parent, child, site.statement, "replace constant");
      break;
    }
    case MutationKind::perturb_constant: {
      const ArgumentSite site = pick(argument_sites(parent, is_nonzero_constant), rng);
      Operand& operand = child.body[site.statement].arguments[site.argument];
      const double old = operand.constant;
      for (int attempt = 0; attempt < 8 && operand.constant == old; ++attempt) {
        const double factor = rng.log_uniform_factor(s.perturb_factor);
        const bool as_one_minus = old > 0 && old < 1 && rng.chance(s.perturb_one_minus_probability);
        const double value = as_one_minus ? one_minus(round_significant((1 - old) * factor, s.constant_significant_digits),
                                                      s.constant_significant_digits)
                                          : round_significant(old * factor, s.constant_significant_digits);
        const double magnitude = std::abs(value);
        if (std::isfinite(value) && magnitude >= smallest_constant && magnitude <= largest_constant) {
          operand.constant = value;
        }
      }
      result.description = line_change(parent, child, site.statement, "perturb constant");
      break;
    }
    case MutationKind::wrap_argument: {
      const ArgumentSite site = pick(argument_sites(parent, is_variable), rng);
      const Operand wrapped = parent.body[site.statement].arguments[site.argument];
      // A copy of an earlier statement (allowed op) with one value slot reading the wrapped
      // value; its other arguments name the same variables, read at the wrap's place.
      std::vector<ArgumentSite> donor_slots;
      for (std::size_t k = 0; k < site.statement; ++k) {
        const int op = parent.body[k].op;
        if (std::find(ops_.begin(), ops_.end(), op) == ops_.end()) continue;
        for (int i = 0; i < op_info(op).arity; ++i) {
          if (!prefers_constant(op, i)) donor_slots.push_back({k, i});
        }
      }
      Statement wrapper;
      std::string origin;
      if (s.wrap_copy_probability > 0 && !donor_slots.empty() && rng.chance(s.wrap_copy_probability)) {
        const ArgumentSite donor = pick(donor_slots, rng);
        wrapper = parent.body[donor.statement];
        wrapper.arguments[donor.argument] = wrapped;
        origin = fmt::format(" (a copy of line {})", donor.statement + 1);
      } else {
        wrapper.op = random_op();
        const int arity = op_info(wrapper.op).arity;
        // The wrapped value goes into a slot that takes a value, not one that wants a rate or
        // a bound (interp's weight), unless the op has no other slot.
        std::vector<int> slots;
        for (int i = 0; i < arity; ++i) {
          if (!prefers_constant(wrapper.op, i)) slots.push_back(i);
        }
        const int slot = slots.empty() ? rng.below(arity) : pick(slots, rng);
        const std::vector<int> defined = defined_before(parent, site.statement);
        for (int i = 0; i < arity; ++i) {
          wrapper.arguments[i] = i == slot ? wrapped : random_operand(defined, wrapper.op, i);
        }
      }
      wrapper.target = fresh_temporary(child);
      child.body.insert(child.body.begin() + static_cast<long>(site.statement), wrapper);
      child.body[site.statement + 1].arguments[site.argument] = Operand::of_variable(wrapper.target);
      result.description = fmt::format("wrap argument {} at line {}{}: {}  ->  {}; {}", site.argument + 1,
                                       site.statement + 1, origin, statement_text(parent, parent.body[site.statement]),
                                       statement_text(child, wrapper),
                                       statement_text(child, child.body[site.statement + 1]));
      break;
    }
  }
  return result;
}

}  // namespace symopt
