// Reads the Python-like program text of DESIGN §2 into a Program of three-address
// statements. Errors are DslError with line and column.
#pragma once

#include "dsl/program.h"

#include <string_view>

namespace symopt {

// Throws DslError naming line, column and what was expected. Checks syntax and names only;
// types and shapes are the analyzer's.
Program parse_program(std::string_view text);

}  // namespace symopt
