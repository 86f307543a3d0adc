// The search state's JSON form. Programs are stored as text in the canonical three-address
// form and re-analyzed on load, so a checkpoint can never smuggle in an invalid program.
#include "search/search_state.h"

#include "dsl/analyzer.h"
#include "dsl/parser.h"
#include "dsl/printer.h"

#include <fmt/format.h>

#include <stdexcept>

namespace symopt {
namespace {

Program program_from_text(const std::string& text, const std::string& what) {
  try {
    return parse_program(text);
  } catch (const DslError& error) {
    throw std::runtime_error(fmt::format("{}: program does not parse: {}", what, error.what()));
  }
}

}  // namespace

nlohmann::json search_counters_to_json(const SearchCounters& c) {
  return {{"candidates", c.candidates}, {"rejected", c.rejected}, {"evaluations", c.evaluations},
          {"cached", c.cached}, {"restarts", c.restarts}, {"stopped_at_hurdle", c.stopped_at_hurdle},
          {"turned_away", c.turned_away}};
}

nlohmann::json search_state_to_json(const SearchState& state) {
  nlohmann::json population = nlohmann::json::array();
  for (const Individual& i : state.population) {
    population.push_back({{"id", i.id}, {"program", print_program(i.program)}, {"fitness", i.fitness},
                          {"generation", i.generation}});
  }
  nlohmann::json warm_starts = nlohmann::json::array();
  for (const WarmStart& w : state.warm_starts) {
    warm_starts.push_back({{"id", w.id}, {"source", w.source}, {"program", print_program(w.program)}});
  }
  nlohmann::json json = {{"run_id", state.run_id},
                         {"counters", search_counters_to_json(state.counters)},
                         {"elapsed_seconds", state.elapsed_seconds},
                         {"random_streams", {{"next_batch", state.next_batch}, {"session", state.session}}},
                         {"next_id", state.next_id},
                         {"next_restart_at", state.next_restart_at}};
  // Moved in, not listed above: an initializer list copies, and the lineage is the bulk of a
  // checkpoint (a copy is about 1 kB per record).
  json["warm_starts"] = std::move(warm_starts);
  json["population"] = std::move(population);
  json["hall_of_fame"] = hall_of_fame_to_json(state.hall_of_fame);
  json["lineage"] = lineage_to_json(state.lineage);
  return json;
}

SearchState search_state_from_json(const nlohmann::json& json) {
  const char* section = "state";  // named in errors: where in the state the bad value is
  try {
    SearchState state;
    state.run_id = json.at("run_id").get<std::string>();
    section = "state.counters";
    const auto& c = json.at("counters");
    state.counters = {c.at("candidates").get<long>(), c.at("rejected").get<long>(), c.at("evaluations").get<long>(),
                      c.at("cached").get<long>(), c.at("restarts").get<long>(),
                      c.value("stopped_at_hurdle", 0L),  // absent before hurdles
                      c.value("turned_away", 0L)};       // absent before population_duplicates
    section = "state";
    state.elapsed_seconds = json.at("elapsed_seconds").get<double>();
    state.next_batch = json.at("random_streams").at("next_batch").get<long>();
    state.session = json.at("random_streams").at("session").get<int>();
    state.next_id = json.at("next_id").get<long>();
    state.next_restart_at = json.at("next_restart_at").get<long>();
    section = "state.warm_starts";
    for (const auto& w : json.at("warm_starts")) {
      const long id = w.at("id").get<long>();
      state.warm_starts.push_back({id, w.at("source").get<std::string>(),
                                   program_from_text(w.at("program").get<std::string>(), fmt::format("warm start {}", id))});
    }
    section = "state.population";
    for (const auto& entry : json.at("population")) {
      Individual i;
      i.id = entry.at("id").get<long>();
      const std::string what = fmt::format("population member {}", i.id);
      i.program = program_from_text(entry.at("program").get<std::string>(), what);
      i.fitness = entry.at("fitness").get<double>();
      i.generation = entry.at("generation").get<int>();
      try {
        const AnalyzedProgram analyzed = analyze(i.program);
        i.hash = analyzed.structural_hash;
        i.states = analyzed.state_count();
        i.ops = analyzed.op_count();
      } catch (const DslError& error) {
        throw std::runtime_error(fmt::format("{}: program is invalid: {}", what, error.what()));
      }
      state.population.push_back(std::move(i));
    }
    section = "state.hall_of_fame";
    state.hall_of_fame = hall_of_fame_from_json(json.at("hall_of_fame"));
    section = "state.lineage";
    for (const auto& record : json.at("lineage")) state.lineage.add(lineage_record_from_json(record));
    if (state.population.empty()) throw std::runtime_error("the population is empty");
    if (state.warm_starts.empty()) throw std::runtime_error("no warm-start program");
    return state;
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(fmt::format("key '{}': {}", section, error.what()));
  }
}

}  // namespace symopt
