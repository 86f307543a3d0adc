// The rewrite rules and the fixed-point loop. A rule looks at one node of the graph and,
// when it matches, returns an edited copy; the loop keeps the first edit that type-checks,
// lowers simplification_cost and passes the probe comparison, then starts over.
#include "search/simplify_algebra.h"

#include "dsl/op_table.h"
#include "search/simplify_graph.h"
#include "search/simplify_probe.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <optional>
#include <utility>

namespace symopt {
namespace {

using Uses = std::vector<int>;

// A rule's result: the edited graph and the node that now stands where the matched one did.
struct Edit {
  RewriteGraph graph;
  int replacement = -1;
};
using Rule = std::function<std::optional<Edit>(const RewriteGraph&, int, const Uses&)>;

int op_id(std::string_view name) { return *find_op(name); }

const Node& at(const RewriteGraph& g, int n) { return g.nodes[n]; }
int argument(const RewriteGraph& g, int n, int i) { return g.nodes[n].arguments[i]; }
bool is_constant_value(const RewriteGraph& g, int n, double value) {
  return g.is_constant(n) && g.constant(n) == value;
}

// For a binary op: (index of a constant argument, the other argument), if there is one.
std::optional<std::pair<int, int>> constant_and_other(const RewriteGraph& g, int n) {
  const int a = argument(g, n, 0), b = argument(g, n, 1);
  if (g.is_constant(b)) return std::pair{b, a};
  if (g.is_constant(a)) return std::pair{a, b};
  return std::nullopt;
}

Edit replaced(const RewriteGraph& g, int n, auto&& make_replacement) {
  Edit edit{g, -1};
  edit.replacement = make_replacement(edit.graph);
  edit.graph.redirect(n, edit.replacement);
  return edit;
}

std::optional<Edit> replace_by(const RewriteGraph& g, int n, int existing) {
  return replaced(g, n, [&](RewriteGraph&) { return existing; });
}

// A computed constant with its last-digit noise removed (0.15 / 1.5 = 0.09999999999999999
// -> 0.1): the shortest decimal within a few ulps, which the probes cannot tell apart.
double tidy(double value) {
  for (int digits = 1; digits <= 15; ++digits) {
    const double shorter = std::stod(fmt::format("{:.{}g}", value, digits));
    if (std::fabs(shorter - value) <= 4e-16 * std::fabs(value)) return shorter;
  }
  return value;
}

// ---- rules ----

std::optional<Edit> fold_constants(const RewriteGraph& g, int n, const Uses&) {
  const Node& node = at(g, n);
  const OpInfo& op = op_info(node.op);
  if (!op.f64.elementwise) return std::nullopt;
  OperandView<double> views[3];
  for (int i = 0; i < op.arity; ++i) {
    if (!g.is_constant(node.arguments[i])) return std::nullopt;
    views[i].is_scalar = true;
    views[i].scalar = g.constant(node.arguments[i]);
  }
  double value = 0;
  op.f64.elementwise(1, views, &value);
  if (!std::isfinite(value)) return std::nullopt;
  return replaced(g, n, [&](RewriteGraph& r) { return r.add_constant(value); });
}

// x + 0, x - 0, x * 1, x / 1, x ** 1 -> x.
std::optional<Edit> identity_operand(const RewriteGraph& g, int n, const Uses&) {
  const Node& node = at(g, n);
  const std::string_view name = op_info(node.op).name;
  const int a = node.arguments[0], b = node.arguments[1];
  if (name == "add" || name == "mul") {
    const double neutral = name == "add" ? 0.0 : 1.0;
    if (is_constant_value(g, b, neutral)) return replace_by(g, n, a);
    if (is_constant_value(g, a, neutral)) return replace_by(g, n, b);
  }
  if ((name == "sub" && is_constant_value(g, b, 0)) ||
      ((name == "div" || name == "pow") && is_constant_value(g, b, 1))) {
    return replace_by(g, n, a);
  }
  return std::nullopt;
}

// 0 - x, x * -1, x / -1 -> -x; -(-x) -> x; x + (-y) -> x - y; x - (-y) -> x + y.
std::optional<Edit> negation_forms(const RewriteGraph& g, int n, const Uses&) {
  const Node& node = at(g, n);
  const std::string_view name = op_info(node.op).name;
  const int a = node.arguments[0], b = node.arguments[1];
  auto negated = [&](int x) {
    return replaced(g, n, [&](RewriteGraph& r) { return r.add_op(op_id("neg"), x); });
  };
  if (name == "neg" && g.is_op(a, "neg")) return replace_by(g, n, argument(g, a, 0));
  if (name == "sub" && is_constant_value(g, a, 0)) return negated(b);
  if ((name == "mul" || name == "div") && is_constant_value(g, b, -1)) return negated(a);
  if (name == "mul" && is_constant_value(g, a, -1)) return negated(b);
  if ((name == "add" || name == "sub") && g.is_op(b, "neg")) {
    const int other = name == "add" ? op_id("sub") : op_id("add");
    return replaced(g, n, [&](RewriteGraph& r) { return r.add_op(other, a, argument(g, b, 0)); });
  }
  if (name == "add" && g.is_op(a, "neg")) {
    return replaced(g, n, [&](RewriteGraph& r) { return r.add_op(op_id("sub"), b, argument(g, a, 0)); });
  }
  return std::nullopt;
}

// x * 0 -> 0 and x - x -> 0 (for finite x); interp(x, x, a) -> x; interp(x, y, 0) -> x;
// interp(x, y, 1) -> y.
std::optional<Edit> collapsing_forms(const RewriteGraph& g, int n, const Uses&) {
  const Node& node = at(g, n);
  const std::string_view name = op_info(node.op).name;
  const int a = node.arguments[0], b = node.arguments[1];
  auto zero = [&] { return replaced(g, n, [](RewriteGraph& r) { return r.add_constant(0); }); };
  if (name == "mul" && (is_constant_value(g, a, 0) || is_constant_value(g, b, 0))) return zero();
  if (name == "sub" && a == b) return zero();
  if (name == "interp") {
    if (a == b) return replace_by(g, n, a);
    if (is_constant_value(g, node.arguments[2], 0)) return replace_by(g, n, a);
    if (is_constant_value(g, node.arguments[2], 1)) return replace_by(g, n, b);
  }
  return std::nullopt;
}

// f(f(x)) -> f(x) for idempotent f. abs(sign(x)) is *not* 1 (it is 0 at 0), so it stays.
std::optional<Edit> idempotent_ops(const RewriteGraph& g, int n, const Uses&) {
  const Node& node = at(g, n);
  const std::string_view name = op_info(node.op).name;
  static constexpr std::string_view idempotent[] = {"sign", "abs", "normalize", "row_normalize",
                                                    "col_normalize", "orthogonalize", "relu"};
  for (std::string_view f : idempotent) {
    if (name == f && at(g, node.arguments[0]).kind == Node::Kind::op &&
        at(g, node.arguments[0]).op == node.op) {
      return replace_by(g, n, node.arguments[0]);
    }
  }
  if (name == "abs" && g.is_op(node.arguments[0], "neg")) {
    return replaced(g, n, [&](RewriteGraph& r) {
      return r.add_op(node.op, argument(g, node.arguments[0], 0));
    });
  }
  return std::nullopt;
}

// f(c * x) = f(x) for c > 0 and -f(x) for c < 0, for the positively homogeneous-of-degree-0
// odd ops: sign and the normalizers. Also f(x / c).
std::optional<Edit> scale_invariance(const RewriteGraph& g, int n, const Uses&) {
  const Node& node = at(g, n);
  const std::string_view name = op_info(node.op).name;
  static constexpr std::string_view invariant[] = {"sign", "normalize", "row_normalize",
                                                   "col_normalize", "orthogonalize"};
  if (std::find(std::begin(invariant), std::end(invariant), name) == std::end(invariant)) {
    return std::nullopt;
  }
  const int inner = node.arguments[0];
  if (!g.is_op(inner, "mul") && !g.is_op(inner, "div")) return std::nullopt;
  std::optional<std::pair<int, int>> split;
  if (g.is_op(inner, "mul")) split = constant_and_other(g, inner);
  else if (g.is_constant(argument(g, inner, 1))) split = std::pair{argument(g, inner, 1), argument(g, inner, 0)};
  if (!split || g.constant(split->first) == 0) return std::nullopt;
  const bool negative = g.constant(split->first) < 0;
  const int x = split->second;
  return replaced(g, n, [&](RewriteGraph& r) {
    const int f = r.add_op(node.op, x);
    return negative ? r.add_op(op_id("neg"), f) : f;
  });
}

// square(-x), square(|x|) -> square(x); sqrt(square(x)) -> |x|; x ** 2, 3, 0.5, -1 -> the op.
std::optional<Edit> power_forms(const RewriteGraph& g, int n, const Uses&) {
  const Node& node = at(g, n);
  const std::string_view name = op_info(node.op).name;
  const int a = node.arguments[0];
  if (name == "square" && (g.is_op(a, "neg") || g.is_op(a, "abs"))) {
    return replaced(g, n, [&](RewriteGraph& r) { return r.add_op(node.op, argument(g, a, 0)); });
  }
  if (name == "sqrt" && g.is_op(a, "square")) {
    return replaced(g, n, [&](RewriteGraph& r) { return r.add_op(op_id("abs"), argument(g, a, 0)); });
  }
  if (name == "pow" && g.is_constant(node.arguments[1])) {
    const double exponent = g.constant(node.arguments[1]);
    const char* op = exponent == 2 ? "square" : exponent == 3 ? "cube" : exponent == 0.5 ? "sqrt"
                   : exponent == -1 ? "reciprocal" : nullptr;
    if (op) return replaced(g, n, [&](RewriteGraph& r) { return r.add_op(op_id(op), a); });
  }
  return std::nullopt;
}

// interp(interp(x, y, a), y, b) = interp(x, y, 1 - (1 - a)(1 - b));
// interp(x, interp(x, y, a), b) = interp(x, y, a b).
std::optional<Edit> interp_merge(const RewriteGraph& g, int n, const Uses&) {
  const Node& node = at(g, n);
  if (op_info(node.op).name != "interp" || !g.is_constant(node.arguments[2])) return std::nullopt;
  const double b = g.constant(node.arguments[2]);
  const int x = node.arguments[0], y = node.arguments[1];
  if (g.is_op(x, "interp") && argument(g, x, 1) == y && g.is_constant(argument(g, x, 2))) {
    const double a = g.constant(argument(g, x, 2));
    const int inner_x = argument(g, x, 0);
    return replaced(g, n, [&](RewriteGraph& r) {
      return r.add_op(node.op, inner_x, y, r.add_constant(1 - (1 - a) * (1 - b)));
    });
  }
  if (g.is_op(y, "interp") && argument(g, y, 0) == x && g.is_constant(argument(g, y, 2))) {
    const double a = g.constant(argument(g, y, 2));
    const int inner_y = argument(g, y, 1);
    return replaced(g, n, [&](RewriteGraph& r) {
      return r.add_op(node.op, x, inner_y, r.add_constant(a * b));
    });
  }
  return std::nullopt;
}

bool is_weights(const RewriteGraph& g, int n) {
  return at(g, n).kind == Node::Kind::input && at(g, n).role == InputRole::weights;
}

// A sum or difference of two terms scaled by constants, a x +- b y: the nodes of a and b,
// and x and y.
struct ScaledTerms {
  int a = -1, x = -1, b = -1, y = -1;
  bool difference = false;
};

std::optional<ScaledTerms> scaled_terms(const RewriteGraph& g, int n) {
  const Node& node = at(g, n);
  const std::string_view name = op_info(node.op).name;
  if (name != "add" && name != "sub") return std::nullopt;
  const int p = node.arguments[0], q = node.arguments[1];
  if (!g.is_op(p, "mul") || !g.is_op(q, "mul")) return std::nullopt;
  const auto term_p = constant_and_other(g, p), term_q = constant_and_other(g, q);
  if (!term_p || !term_q) return std::nullopt;
  return ScaledTerms{term_p->first, term_p->second, term_q->first, term_q->second, name == "sub"};
}

// a x + b y -> (a + b) interp(., ., .) with the larger coefficient's term second (the
// momentum-like place, as in interp(g, m, 0.9)); a x + b x -> (a + b) x. A term in w is
// left alone: decay reads as `+ lambda * w`, not as an interp towards w.
std::optional<Edit> linear_combination(const RewriteGraph& g, int n, const Uses&) {
  const auto terms = scaled_terms(g, n);
  if (!terms) return std::nullopt;
  const double a = g.constant(terms->a);
  const double b = (terms->difference ? -1.0 : 1.0) * g.constant(terms->b);
  const int x = terms->x, y = terms->y;
  const double total = a + b;
  if (x == y) {
    return replaced(g, n, [&](RewriteGraph& r) { return r.add_op(op_id("mul"), x, r.add_constant(total)); });
  }
  if (total == 0 || !std::isfinite(total)) return std::nullopt;
  if (std::fabs(a) == std::fabs(b)) return std::nullopt;  // a common factor does better
  if (is_weights(g, x) || is_weights(g, y)) return std::nullopt;
  const bool x_second = std::fabs(a) > std::fabs(b);
  const int first = x_second ? y : x, second = x_second ? x : y;
  const double weight = tidy((x_second ? a : b) / total);
  return replaced(g, n, [&](RewriteGraph& r) {
    const int mixed = r.add_op(op_id("interp"), first, second, r.add_constant(weight));
    return std::fabs(total - 1) < 1e-12 ? mixed : r.add_op(op_id("mul"), mixed, r.add_constant(total));
  });
}

// a x + a y -> a (x + y) and a x - a y -> a (x - y).
std::optional<Edit> common_factor(const RewriteGraph& g, int n, const Uses&) {
  const auto terms = scaled_terms(g, n);
  if (!terms) return std::nullopt;
  const double a = g.constant(terms->a), b = g.constant(terms->b);
  if (std::fabs(a) != std::fabs(b)) return std::nullopt;
  const bool same_sign = (a == b) != terms->difference;
  return replaced(g, n, [&](RewriteGraph& r) {
    const int inner = r.add_op(op_id(same_sign ? "add" : "sub"), terms->x, terms->y);
    return r.add_op(op_id("mul"), inner, terms->a);
  });
}

// A sum of two scaled terms, a x + b y (a term without a constant factor has 1), as the
// scale of its larger term times the rest: a x + b y = a (x + (b / a) y).
struct FactoredSum {
  int node = -1;
  double scale = 1;
  std::array<std::pair<double, int>, 2> terms{};  // (coefficient after factoring, term)
};

std::optional<FactoredSum> factor_sum(const RewriteGraph& g, int n) {
  const bool add = g.is_op(n, "add");
  if (!add && !g.is_op(n, "sub")) return std::nullopt;
  FactoredSum sum{n};
  for (int i = 0; i < 2; ++i) {
    const int side = argument(g, n, i);
    const auto split = g.is_op(side, "mul") ? constant_and_other(g, side) : std::nullopt;
    sum.terms[i] = split ? std::pair{g.constant(split->first), split->second} : std::pair{1.0, side};
  }
  if (!add) sum.terms[1].first = -sum.terms[1].first;
  const auto& [a, b] = std::pair{sum.terms[0].first, sum.terms[1].first};
  sum.scale = std::fabs(a) >= std::fabs(b) ? a : b;
  if (sum.scale == 1 || sum.scale == 0 || !std::isfinite(sum.scale)) return std::nullopt;
  for (auto& term : sum.terms) term.first = tidy(term.first / sum.scale);
  return sum;
}

int build_factored_sum(RewriteGraph& r, const FactoredSum& sum) {
  auto scaled = [&](double coefficient, int term) {
    return coefficient == 1 ? term : r.add_op(op_id("mul"), term, r.add_constant(coefficient));
  };
  const int first = scaled(sum.terms[0].first, sum.terms[0].second);
  const double second = sum.terms[1].first;
  return second < 0 ? r.add_op(op_id("sub"), first, scaled(-second, sum.terms[1].second))
                    : r.add_op(op_id("add"), first, scaled(second, sum.terms[1].second));
}

// Flattens a chain of single-use mul / div / neg into one constant and the other factors,
// e.g. ((u * 0.5) * lr) * 2 -> u * lr: the learning-rate scale collected in one place. The
// scale of a single-use sum among the factors joins it: lr * (1.5 s + 0.15 w) * 2 ->
// (s + 0.1 w) * lr * 3, so the update reads as Lion's (direction + lambda w) * lr * scale.
std::optional<Edit> product_chain(const RewriteGraph& g, int n, const Uses& uses) {
  const std::string_view root = op_info(at(g, n).op).name;
  if (root != "mul" && root != "div" && root != "neg") return std::nullopt;
  double constant = 1;
  std::vector<int> numerators, denominators;
  std::vector<FactoredSum> factored;
  int constants_seen = 0;
  auto collect = [&](auto&& self, int node, bool inverted) -> void {
    const bool chain_link = node == n || uses[node] == 1;
    if (g.is_constant(node)) {
      constant *= inverted ? 1 / g.constant(node) : g.constant(node);
      ++constants_seen;
    } else if (chain_link && g.is_op(node, "mul")) {
      self(self, argument(g, node, 0), inverted);
      self(self, argument(g, node, 1), inverted);
    } else if (chain_link && g.is_op(node, "div")) {
      self(self, argument(g, node, 0), inverted);
      self(self, argument(g, node, 1), !inverted);
    } else if (chain_link && g.is_op(node, "neg")) {
      constant = -constant;
      ++constants_seen;
      self(self, argument(g, node, 0), inverted);
    } else if (auto sum = chain_link && !inverted ? factor_sum(g, node) : std::nullopt) {
      constant *= sum->scale;
      ++constants_seen;
      factored.push_back(*sum);
      numerators.push_back(node);
    } else {
      (inverted ? denominators : numerators).push_back(node);
    }
  };
  collect(collect, n, false);
  if (constants_seen < 2 || !std::isfinite(constant) || constant == 0 || numerators.empty()) {
    return std::nullopt;
  }
  constant = tidy(constant);
  return replaced(g, n, [&](RewriteGraph& r) {
    for (int& factor : numerators) {
      for (const FactoredSum& sum : factored) {
        if (sum.node == factor) factor = build_factored_sum(r, sum);
      }
    }
    int product = numerators[0];
    for (std::size_t i = 1; i < numerators.size(); ++i) product = r.add_op(op_id("mul"), product, numerators[i]);
    for (int d : denominators) product = r.add_op(op_id("div"), product, d);
    if (constant == 1) return product;
    if (constant == -1) return r.add_op(op_id("neg"), product);
    return r.add_op(op_id("mul"), product, r.add_constant(constant));
  });
}

// Flattens a chain of single-use add / sub / neg: constants summed into one, a term and its
// negation cancelled, e.g. (x + 1) - 3 -> x - 2 and (x + y) - x -> y.
std::optional<Edit> sum_chain(const RewriteGraph& g, int n, const Uses& uses) {
  const std::string_view root = op_info(at(g, n).op).name;
  if (root != "add" && root != "sub") return std::nullopt;
  double constant = 0;
  std::vector<std::pair<int, bool>> terms;  // (node, negated)
  int constants_seen = 0;
  auto collect = [&](auto&& self, int node, bool negated) -> void {
    const bool chain_link = node == n || uses[node] == 1;
    if (g.is_constant(node)) {
      constant += negated ? -g.constant(node) : g.constant(node);
      ++constants_seen;
    } else if (chain_link && g.is_op(node, "add")) {
      self(self, argument(g, node, 0), negated);
      self(self, argument(g, node, 1), negated);
    } else if (chain_link && g.is_op(node, "sub")) {
      self(self, argument(g, node, 0), negated);
      self(self, argument(g, node, 1), !negated);
    } else if (chain_link && g.is_op(node, "neg")) {
      self(self, argument(g, node, 0), !negated);
    } else {
      terms.emplace_back(node, negated);
    }
  };
  collect(collect, n, false);
  bool cancelled = false;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    for (std::size_t j = i + 1; j < terms.size(); ++j) {
      if (terms[i].first == terms[j].first && terms[i].second != terms[j].second) {
        terms.erase(terms.begin() + j);
        terms.erase(terms.begin() + i);
        cancelled = true;
        --i;
        break;
      }
    }
  }
  if ((constants_seen < 2 && !cancelled) || !std::isfinite(constant)) return std::nullopt;
  return replaced(g, n, [&](RewriteGraph& r) {
    if (terms.empty()) return r.add_constant(constant);
    std::stable_partition(terms.begin(), terms.end(), [](const auto& t) { return !t.second; });
    int sum = terms[0].second ? r.add_op(op_id("neg"), terms[0].first) : terms[0].first;
    for (std::size_t i = 1; i < terms.size(); ++i) {
      sum = r.add_op(op_id(terms[i].second ? "sub" : "add"), sum, terms[i].first);
    }
    if (constant > 0) sum = r.add_op(op_id("add"), sum, r.add_constant(constant));
    if (constant < 0) sum = r.add_op(op_id("sub"), sum, r.add_constant(-constant));
    return sum;
  });
}

const std::vector<std::pair<const char*, Rule>>& rules() {
  static const std::vector<std::pair<const char*, Rule>> all = {
      {"constant folding", fold_constants},
      {"identity operand", identity_operand},
      {"collapse", collapsing_forms},
      {"negation", negation_forms},
      {"idempotent op", idempotent_ops},
      {"scale-invariant op", scale_invariance},
      {"power", power_forms},
      {"interp merge", interp_merge},
      {"linear combination to interp", linear_combination},
      {"common factor", common_factor},
      {"constants collected (product)", product_chain},
      {"constants collected (sum)", sum_chain},
  };
  return all;
}

// A state whose new value is a constant multiple of its old value starts at zero and stays
// there: its reads are zero.
std::optional<Edit> zero_state(const RewriteGraph& g, int state) {
  int input = -1;
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    if (g.nodes[n].kind == Node::Kind::input && g.nodes[n].role == InputRole::state &&
        g.nodes[n].state == state) {
      input = static_cast<int>(n);
    }
  }
  if (input < 0) return std::nullopt;
  // The chain from the new value back to the old one: every link is zero too.
  std::vector<int> chain;
  int out = g.state_outputs[state];
  while (out != input && (g.is_op(out, "neg") || g.is_op(out, "mul") || g.is_op(out, "div"))) {
    const Node& node = g.nodes[out];
    chain.push_back(out);
    if (g.is_op(out, "neg")) { out = node.arguments[0]; continue; }
    const auto split = g.is_op(out, "mul") ? constant_and_other(g, out)
                       : g.is_constant(node.arguments[1]) ? std::optional(std::pair{node.arguments[1], node.arguments[0]})
                                                          : std::nullopt;
    if (!split) break;
    out = split->second;
  }
  if (out != input) return std::nullopt;
  Edit edit{g, -1};
  edit.replacement = edit.graph.add_constant(0);
  edit.graph.redirect(input, edit.replacement);
  for (int link : chain) edit.graph.redirect(link, edit.replacement);
  edit.graph.state_outputs[state] = input;  // unread now, so the analyzer drops the state
  return edit;
}

}  // namespace

AlgebraResult simplify_algebra(const AnalyzedProgram& program) {
  AlgebraResult result{program, {}, {}, 0};
  constexpr int max_rewrites = 500;
  struct Option {
    int cost;
    AnalyzedProgram program;
    AppliedRewrite rewrite;
  };
  for (int round = 0; round < max_rewrites; ++round) {
    const RewriteGraph graph(result.program);
    const Uses uses = graph.use_counts();
    const int cost = simplification_cost(result.program);
    // Every rewrite that type-checks and pays, cheapest result first: greedy on the best
    // step, so that e.g. a common factor wins over an interp with a scale.
    std::vector<Option> options;
    auto consider = [&](const std::optional<Edit>& edit, const char* rule, auto&& describe_before) {
      if (!edit) return;
      std::optional<AnalyzedProgram> analyzed = finish_graph(edit->graph);
      if (!analyzed) return;
      const int new_cost = simplification_cost(*analyzed);
      if (new_cost >= cost) return;
      options.push_back({new_cost, std::move(*analyzed),
                         {rule, describe_before(), describe_expression(edit->graph, edit->replacement)}});
    };
    for (int s = 0; s < static_cast<int>(graph.state_outputs.size()); ++s) {
      consider(zero_state(graph, s), "state that stays zero", [&] { return graph.state_names[s]; });
    }
    for (int n = 0; n < static_cast<int>(graph.nodes.size()); ++n) {
      if (graph.nodes[n].kind != Node::Kind::op) continue;
      for (const auto& [name, rule] : rules()) {
        consider(rule(graph, n, uses), name, [&] { return describe_expression(graph, n); });
      }
    }
    std::stable_sort(options.begin(), options.end(),
                     [](const Option& a, const Option& b) { return a.cost < b.cost; });
    bool progressed = false;
    for (Option& option : options) {
      const double difference = behaviour_difference(result.program, option.program);
      if (!(difference <= behaviour_tolerance)) {
        option.rewrite.after += fmt::format(" (refused: behaviour changed by {:.3g})", difference);
        result.refused.push_back(std::move(option.rewrite));
        continue;
      }
      result.program = std::move(option.program);
      result.applied.push_back(std::move(option.rewrite));
      progressed = true;
      break;
    }
    if (!progressed) break;
  }
  result.behaviour_difference = behaviour_difference(program, result.program);
  return result;
}

}  // namespace symopt
