// The error for bad input (a file, a config key, a command-line value): the command line
// answers it with exit code 2. Messages name the file and the place (line/column or key).
#pragma once

#include <stdexcept>
#include <string>

namespace symopt {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace symopt
