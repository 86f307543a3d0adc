// What the fuzzer checks for one input, shared by the libFuzzer harness and the regression
// test that replays kept inputs: parse, print, re-parse, analyze, re-analyze.
#pragma once

#include "dsl/analyzer.h"
#include "dsl/parser.h"
#include "dsl/printer.h"

#include <stdexcept>
#include <string>
#include <string_view>

namespace symopt::fuzz {

// Bad input is answered by DslError (the command line turns it into InputError, exit 2) and
// that is the only exception allowed out. A broken invariant -- printing then parsing changes
// the program, or analysis of the printed canonical form gives another structural hash -- is
// a std::logic_error, which the fuzzer treats as a crash. So is a DslError from re-parsing
// printed text or re-analyzing the canonical form: what the printer writes must be accepted.
inline Program reparse(const std::string& printed, const char* what) {
  try {
    return parse_program(printed);
  } catch (const DslError& error) {
    throw std::logic_error(std::string(what) + " does not parse again: " + error.what() + "\n" + printed);
  }
}

inline void parse_analyze_print(std::string_view text) {
  const Program program = parse_program(text);
  if (!(reparse(print_program(program), "the printed program") == program)) {
    throw std::logic_error("print then parse changed the program");
  }
  reparse(print_folded(program), "the folded print");
  AnalyzedProgram analyzed;
  try {
    analyzed = analyze(program);
  } catch (const DslError&) {
    return;  // parses but is not a valid optimizer: rejected cleanly
  }
  AnalyzedProgram again;
  try {
    again = analyze(reparse(print_program(analyzed.canonical), "the canonical form"));
  } catch (const DslError& error) {
    throw std::logic_error(std::string("the canonical form does not analyze again: ") + error.what());
  }
  if (again.structural_hash != analyzed.structural_hash) {
    throw std::logic_error("the printed canonical form analyzes to another structural hash");
  }
}

}  // namespace symopt::fuzz
