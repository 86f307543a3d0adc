// JSON form of a program. The text is the source of truth; the rest is derived for readers.
#include "dsl/program_json.h"

#include "dsl/analyzer.h"
#include "dsl/parser.h"
#include "dsl/printer.h"

#include <fmt/format.h>

namespace symopt {

nlohmann::json program_to_json(const Program& program) {
  nlohmann::json json;
  json["text"] = print_program(program);
  json["folded"] = print_folded(program);
  try {
    const AnalyzedProgram analyzed = analyze(program);
    json["hash"] = fmt::format("{:016x}", analyzed.structural_hash);
    json["states"] = analyzed.state_count();
    json["ops"] = analyzed.op_count();
  } catch (const DslError&) {
    json["hash"] = nullptr;  // an invalid program can still be stored and shown
  }
  return json;
}

Program program_from_json(const nlohmann::json& json) {
  if (!json.is_object() || !json.contains("text") || !json["text"].is_string()) {
    throw DslError({}, "program JSON: expected an object with a string key \"text\"");
  }
  try {
    return parse_program(json["text"].get<std::string>());
  } catch (const DslError& error) {
    throw DslError(error.where, fmt::format("in key \"text\": {}", error.reason));
  }
}

}  // namespace symopt
