// `symopt ops`: the op set with arity, type rule and doc, from the one op table.
#include "cli/commands.h"
#include "dsl/op_table.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace symopt::cli {
namespace {

std::string_view rule_name(TypeRule rule) {
  switch (rule) {
    case TypeRule::copy: return "copy";
    case TypeRule::elementwise: return "elementwise";
    case TypeRule::reduction: return "reduction";
    case TypeRule::shape_kept: return "shape-kept";
    case TypeRule::transpose: return "transpose";
    case TypeRule::matmul: return "matmul";
  }
  return "?";
}

}  // namespace

void add_ops_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("ops", "list the op set");
  auto json = std::make_shared<bool>(false);
  command->add_flag("--json", *json, "machine-readable output");
  command->callback([json, &exit_code] {
    nlohmann::json list = nlohmann::json::array();
    for (const OpInfo& op : op_table()) {
      if (*json) {
        list.push_back({{"name", op.name}, {"arity", op.arity}, {"type_rule", rule_name(op.type_rule)},
                        {"infix", op.infix}, {"doc", op.doc}});
      } else {
        fmt::print("{:<14} {}  {:<12} {}\n", op.name, op.arity, rule_name(op.type_rule), op.doc);
      }
    }
    if (*json) fmt::print("{}\n", list.dump(2));
    exit_code = 0;
  });
}

}  // namespace symopt::cli
