// The one error type of the language: says where (line, column) and what was expected.
#pragma once

#include <stdexcept>
#include <string>

namespace symopt {

struct SourceLocation {
  int line = 0;    // 1-based; 0 when the statement was made by the search, not parsed
  int column = 0;  // 1-based
};

class DslError : public std::runtime_error {
 public:
  DslError(SourceLocation where, const std::string& what);
  SourceLocation where;
  std::string reason;  // the message without the location prefix
};

}  // namespace symopt
