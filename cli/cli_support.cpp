// Program loading for the command line.
#include "cli/cli_support.h"

#include "common/atomic_file.h"
#include "common/input_error.h"
#include "dsl/parser.h"
#include "dsl/program_json.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace symopt::cli {
namespace {

std::string located(const std::filesystem::path& path, const DslError& error) {
  if (error.where.line > 0) {
    return fmt::format("{}:{}:{}: {}", path.string(), error.where.line, error.where.column, error.reason);
  }
  return fmt::format("{}: {}", path.string(), error.reason);
}

}  // namespace

Program load_program_file(const std::filesystem::path& path) {
  const std::string text = read_whole_file(path);
  try {
    if (path.extension() == ".json") {
      nlohmann::json json;
      try {
        json = nlohmann::json::parse(text);
      } catch (const nlohmann::json::parse_error& error) {
        throw InputError(fmt::format("{}: not valid JSON: {}", path.string(), error.what()));
      }
      return program_from_json(json);
    }
    return parse_program(text);
  } catch (const DslError& error) {
    throw InputError(located(path, error));
  }
}

AnalyzedProgram load_analyzed_program(const std::filesystem::path& path) {
  const Program program = load_program_file(path);
  try {
    return analyze(program);
  } catch (const DslError& error) {
    throw InputError(located(path, error));
  }
}

}  // namespace symopt::cli
