// The PyTorch module writer: a fixed preamble of helpers and the optimizer class, around one
// generated function that computes the program's SSA nodes in order, one line per op.
#include "export/pytorch_export.h"

#include "dsl/op_table.h"
#include "dsl/printer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace symopt {
namespace {

// Helpers the op table's Python spellings call. Each mirrors its C++ kernel (op_table.cpp),
// including the choices made there for zero inputs.
constexpr std::string_view helpers = R"PY(
def _safe_inverse(norm):
    # A zero tensor has no direction: the normalizers map it to zero rather than NaN.
    return torch.where((norm > 0) | torch.isnan(norm), torch.reciprocal(norm), torch.zeros_like(norm))


def _cbrt(x):
    return torch.sign(x) * torch.pow(torch.abs(x), 1.0 / 3.0)


def _cosine(x, y):
    denominator = torch.sqrt(torch.sum(x * x) * torch.sum(y * y))
    return torch.where((denominator > 0) | torch.isnan(denominator), torch.sum(x * y) / denominator,
                       torch.zeros_like(denominator))


def _normalize(x):
    return x * _safe_inverse(torch.sqrt(torch.sum(x * x)))


def _row_normalize(x):
    return x * _safe_inverse(torch.sqrt(torch.sum(x * x, dim=1, keepdim=True)))


def _col_normalize(x):
    return x * _safe_inverse(torch.sqrt(torch.sum(x * x, dim=0, keepdim=True)))


def _orthogonalize(x):
    # The polar factor U V^T; singular values below a relative tolerance are dropped, so a
    # rank-deficient x gives the factor of its range and zero gives zero. A vector: x / norm.
    if x.shape[0] == 1 or x.shape[1] == 1:
        return _normalize(x)
    if not bool(torch.isfinite(x).all()):
        return torch.full_like(x, float("nan"))  # a diverged run stays visibly diverged
    u, s, vh = torch.linalg.svd(x, full_matrices=False)
    tolerance = s[0] * (x.shape[0] + x.shape[1]) * torch.finfo(x.dtype).eps
    rank = int(torch.sum(s > tolerance))
    return torch.matmul(u[:, :rank], vh[:rank, :])


def _matrix_shape(p):
    # How the program sees a parameter: a vector of n is 1 x n, a tensor of more than two
    # dimensions shape[0] x (the rest).
    if p.dim() == 0:
        return 1, 1
    if p.dim() == 1:
        return 1, p.shape[0]
    return p.shape[0], p.numel() // p.shape[0]
)PY";

constexpr std::string_view optimizer_class = R"PY(

class SymoptOptimizer(torch.optim.Optimizer):
    """{docstring}"""

    def __init__(self, params, lr):
        if not lr >= 0.0:
            raise ValueError(f"invalid learning rate: {{lr}}")
        super().__init__(params, dict(lr=lr))

    def _constants(self, like):
        # The program's constants as 0-d tensors of the parameter's dtype and device, made once.
        cache = self.__dict__.setdefault("_constant_cache", {{}})
        key = (like.dtype, like.device)
        if key not in cache:
            cache[key] = tuple(torch.tensor(value, dtype=like.dtype, device=like.device) for value in _CONSTANTS)
        return cache[key]

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError("SymoptOptimizer does not support sparse gradients")
                rows, cols = _matrix_shape(p)
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    for name in _STATE_NAMES:
                        state[name] = torch.zeros((rows, cols), dtype=p.dtype, device=p.device)
                state["step"] += 1
                lr = torch.tensor(group["lr"], dtype=p.dtype, device=p.device)
                t = torch.tensor(state["step"], dtype=p.dtype, device=p.device)
                update, new_states = _program(p.reshape(rows, cols), p.grad.reshape(rows, cols), lr, t,
                                              *(state[name] for name in _STATE_NAMES), self._constants(p))
                for name, value in zip(_STATE_NAMES, new_states):
                    state[name] = value
                p.sub_(update.reshape(p.shape))
        return loss
)PY";

constexpr std::array<std::string_view, 35> python_keywords = {
    "False", "None",   "True",    "and",      "as",       "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",      "elif",     "else",   "except", "finally",  "for",
    "from",  "global", "if",      "import",   "in",       "is",     "lambda", "nonlocal", "not",
    "or",    "pass",   "raise",   "return",   "try",      "while",  "with",   "yield"};

bool is_generated_name(std::string_view name) {  // v12, c3: the names of nodes and constants
  return name.size() > 1 && (name[0] == 'v' || name[0] == 'c') &&
         std::all_of(name.begin() + 1, name.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); });
}

// A state's name in the module (argument of _program and key in the optimizer's state): the
// DSL name unless Python or the module already uses it.
std::string python_state_name(const std::string& name) {
  const bool taken = name == "w" || name == "g" || name == "lr" || name == "t" || name == "c" ||
                     name == "torch" || name == "step" || name.starts_with('_') || is_generated_name(name) ||
                     std::find(python_keywords.begin(), python_keywords.end(), name) != python_keywords.end();
  return taken ? "state_" + name : name;
}

std::string python_float(double value) {
  if (std::isnan(value)) return "float(\"nan\")";
  if (std::isinf(value)) return value > 0 ? "float(\"inf\")" : "-float(\"inf\")";
  std::string text = format_constant(value);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

// The op table's spelling with {0}, {1}, {2} replaced by the argument names.
std::string spell(const OpInfo& op, const std::array<std::string, 3>& arguments) {
  if (op.python.empty()) throw std::logic_error(fmt::format("op '{}' has no Python spelling", op.name));
  std::string out;
  const std::string_view text = op.python;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && i + 2 < text.size() && text[i + 2] == '}' && text[i + 1] >= '0' && text[i + 1] <= '2') {
      out += arguments[text[i + 1] - '0'];
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string docstring_text(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '\\') out += "\\\\";
    else if (ch == '"') out += "\\\"";  // no run of quotes can close the docstring
    else out += ch;
  }
  return out;
}

std::string indented(const std::string& text, std::string_view indent) {
  std::string out;
  bool line_start = true;
  for (char ch : text) {
    if (line_start && ch != '\n') out += indent;
    out += ch;
    line_start = ch == '\n';
  }
  return out;
}

std::string python_tuple(const std::vector<std::string>& items) {
  if (items.size() == 1) return "(" + items[0] + ",)";
  return fmt::format("({})", fmt::join(items, ", "));
}

}  // namespace

std::string export_pytorch(const Program& source, const AnalyzedProgram& analyzed, const std::string& origin) {
  std::vector<std::string> state_names;
  for (const std::string& name : analyzed.state_names) state_names.push_back(python_state_name(name));

  std::vector<std::string> names(analyzed.nodes.size());
  std::vector<std::string> constants;
  std::vector<std::string> constant_names;
  std::string body;
  for (std::size_t n = 0; n < analyzed.nodes.size(); ++n) {
    const Node& node = analyzed.nodes[n];
    switch (node.kind) {
      case Node::Kind::input:
        switch (node.role) {
          case InputRole::weights: names[n] = "w"; break;
          case InputRole::gradient: names[n] = "g"; break;
          case InputRole::learning_rate: names[n] = "lr"; break;
          case InputRole::step: names[n] = "t"; break;
          case InputRole::state: names[n] = state_names.at(node.state); break;
        }
        break;
      case Node::Kind::constant:
        names[n] = fmt::format("c{}", constants.size());
        constant_names.push_back(names[n]);
        constants.push_back(python_float(node.constant));
        break;
      case Node::Kind::op: {
        const OpInfo& op = op_info(node.op);
        std::array<std::string, 3> arguments;
        for (int a = 0; a < op.arity; ++a) arguments[a] = names.at(node.arguments[a]);
        names[n] = fmt::format("v{}", n);
        body += fmt::format("    {} = {}  # {}\n", names[n], spell(op, arguments), op.name);
        break;
      }
    }
  }
  // A result that is an input or a view of one (transpose) would alias the parameter or its
  // gradient, which step() then changes in place: such results are copied.
  auto result = [&](int node) {
    const Node& value = analyzed.nodes.at(node);
    const bool may_alias = value.kind == Node::Kind::input ||
                           (value.kind == Node::Kind::op && op_info(value.op).name == "transpose");
    return may_alias ? names[node] + ".clone()" : names[node];
  };
  std::vector<std::string> new_states;
  for (int node : analyzed.state_outputs) new_states.push_back(result(node));

  const std::string program_text = print_folded(source);
  std::vector<std::string> quoted_states;
  for (const std::string& name : state_names) quoted_states.push_back(fmt::format("\"{}\"", name));

  std::string out;
  out += fmt::format("# Generated by `symopt export --format pytorch` from {}; re-export rather than edit.\n",
                     origin);
  out += fmt::format("\"\"\"A PyTorch optimizer generated by symopt from the update rule\n\n{}\n"
                     "It is applied to every parameter separately, seen as a rows x cols matrix (a vector\n"
                     "of n as 1 x n), with lr the group's learning rate and t the 1-based step count; the\n"
                     "new weights are w - update. Usage:\n\n"
                     "    optimizer = SymoptOptimizer(model.parameters(), lr=1e-3)\n"
                     "    loss.backward(); optimizer.step(); optimizer.zero_grad()\n\"\"\"\n\n",
                     indented(docstring_text(program_text), "    "));
  out += "import torch\n\n__all__ = [\"SymoptOptimizer\"]\n";
  out += helpers;
  out += fmt::format("\n\n_CONSTANTS = {}\n", constants.empty() ? "()" : python_tuple(constants));
  out += fmt::format("_STATE_NAMES = {}\n\n\n", state_names.empty() ? "()" : python_tuple(quoted_states));

  std::vector<std::string> parameters = {"w", "g", "lr", "t"};
  parameters.insert(parameters.end(), state_names.begin(), state_names.end());
  parameters.push_back("c");
  out += fmt::format("def _program({}):\n", fmt::join(parameters, ", "));
  out += "    \"\"\"One step on one parameter as a matrix: returns the update and the new states.\"\"\"\n";
  if (!constant_names.empty()) out += fmt::format("    {}, = c\n", fmt::join(constant_names, ", "));
  out += body;
  out += fmt::format("    return {}, {}\n", result(analyzed.update),
                     new_states.empty() ? "()" : python_tuple(new_states));
  out += fmt::format(fmt::runtime(optimizer_class),
                     fmt::arg("docstring", "Optimizer running the update rule\n\n" +
                                               indented(docstring_text(program_text), "        ") + "    "));
  return out;
}

}  // namespace symopt
