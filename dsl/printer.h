// Prints a Program as text: the canonical three-address form (parses back to the same
// Program) or a folded readable form with single-use temporaries inlined.
#pragma once

#include "dsl/program.h"

#include <string>

namespace symopt {

std::string print_program(const Program& program);
// Temporaries (names starting with '_') used once are inlined into their use.
std::string print_folded(const Program& program);
// A literal as the printer writes it: shortest text that reads back to the same double.
std::string format_constant(double value);

}  // namespace symopt
