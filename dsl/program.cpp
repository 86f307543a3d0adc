// Small helpers of the Program value type.
#include "dsl/program.h"

#include <fmt/format.h>

namespace symopt {

DslError::DslError(SourceLocation location, const std::string& what)
    : std::runtime_error(location.line > 0
                             ? fmt::format("line {}, column {}: {}", location.line,
                                           location.column, what)
                             : what),
      where(location),
      reason(what) {}

InputRole role_of_parameter(const std::string& name) {
  if (name == "w") return InputRole::weights;
  if (name == "g") return InputRole::gradient;
  if (name == "lr") return InputRole::learning_rate;
  if (name == "t") return InputRole::step;
  return InputRole::state;
}

int Program::find_variable(const std::string& name) const {
  for (std::size_t i = 0; i < variables.size(); ++i) {
    if (variables[i] == name) return static_cast<int>(i);
  }
  return -1;
}

int Program::add_variable(const std::string& name) {
  variables.push_back(name);
  return static_cast<int>(variables.size()) - 1;
}

std::vector<int> Program::state_parameters() const {
  std::vector<int> states;
  for (int p : parameters) {
    if (role_of_parameter(variables[p]) == InputRole::state) states.push_back(p);
  }
  return states;
}

}  // namespace symopt
