// `symopt export --format pytorch`: a program as a Python module defining
// `SymoptOptimizer(torch.optim.Optimizer)`, each op spelled as in the op table (OpInfo::python).
#pragma once

#include "dsl/analyzer.h"
#include "dsl/program.h"

#include <string>

namespace symopt {

// The module's source. `source` is the program as written (its folded text goes into the
// docstrings), `analyzed` its analysis (what the code computes: dead code is gone), and
// `origin` says where the program came from (a file name) for the module's header comment.
// Each parameter is seen by the program as a rows x cols matrix: a 0-d tensor as 1 x 1, a
// vector of n as 1 x n (the DSL's convention), a matrix as itself and a tensor of more
// dimensions as shape[0] x (the rest), as Muon does for convolution kernels.
std::string export_pytorch(const Program& source, const AnalyzedProgram& analyzed, const std::string& origin);

}  // namespace symopt
