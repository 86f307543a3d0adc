// libFuzzer harness for parse + analyze + print (fuzz/parse_analyze_print.h): bad input must
// be rejected with DslError; anything else escaping, or a crash, is a finding.
#include "fuzz/parse_analyze_print.h"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    symopt::fuzz::parse_analyze_print(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const symopt::DslError&) {
  }
  return 0;  // a std::logic_error is not caught: terminate -> abort -> libFuzzer keeps the input
}
