// The JSON form of a program: its text plus the structural facts a reader wants without
// parsing (hash, state count, op count).
#pragma once

#include "dsl/program.h"

#include <nlohmann/json.hpp>

namespace symopt {

nlohmann::json program_to_json(const Program& program);
// Accepts {"text": "..."}; throws DslError (with the JSON key in the message) when malformed.
Program program_from_json(const nlohmann::json& json);

}  // namespace symopt
