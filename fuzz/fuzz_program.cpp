// libFuzzer harness for parse + analyze + print: no input may crash, and every accepted
// program must survive the print/parse round trip with the same structural hash.
#include "dsl/analyzer.h"
#include "dsl/parser.h"
#include "dsl/printer.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  symopt::Program program;
  try {
    program = symopt::parse_program(text);
  } catch (const symopt::DslError&) {
    return 0;
  }
  if (!(symopt::parse_program(symopt::print_program(program)) == program)) std::abort();
  symopt::parse_program(symopt::print_folded(program));
  try {
    const symopt::AnalyzedProgram analyzed = symopt::analyze(program);
    const symopt::AnalyzedProgram again =
        symopt::analyze(symopt::parse_program(symopt::print_program(analyzed.canonical)));
    if (again.structural_hash != analyzed.structural_hash) std::abort();
  } catch (const symopt::DslError&) {
  }
  return 0;
}
