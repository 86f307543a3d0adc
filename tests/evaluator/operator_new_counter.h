// Counts calls of the global operator new in the evaluator test executable, to check that
// optimizer steps allocate nothing. (malloc itself is interposed by test_trainer.cpp.)
#pragma once

namespace symopt::testing {

// Calls of operator new / new[] since the program started.
long operator_new_count();

}  // namespace symopt::testing
