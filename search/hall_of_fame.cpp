// Hall of fame bookkeeping and its JSON form.
#include "search/hall_of_fame.h"

#include "dsl/parser.h"
#include "dsl/printer.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace symopt {
namespace {

constexpr double worst_fitness = -1;

bool dominates(const HallOfFameEntry& a, double fitness, int states, int ops) {
  const LineageRecord& o = a.origin;
  return o.fitness >= fitness && o.states <= states && o.ops <= ops;  // equal counts as beaten
}

bool has_hash(const std::vector<HallOfFameEntry>& entries, std::uint64_t hash) {
  return std::any_of(entries.begin(), entries.end(), [&](const HallOfFameEntry& e) { return e.origin.hash == hash; });
}

}  // namespace

bool HallOfFame::enters_best(std::uint64_t hash, double fitness) const {
  if (has_hash(best_, hash)) return false;
  return static_cast<int>(best_.size()) < capacity_ || fitness > best_.back().origin.fitness;
}

bool HallOfFame::enters_front(std::uint64_t hash, double fitness, int states, int ops) const {
  if (fitness <= worst_fitness || has_hash(front_, hash)) return false;
  return std::none_of(front_.begin(), front_.end(),
                      [&](const HallOfFameEntry& e) { return dominates(e, fitness, states, ops); });
}

bool HallOfFame::would_enter(std::uint64_t hash, double fitness, int states, int ops) const {
  return enters_best(hash, fitness) || enters_front(hash, fitness, states, ops);
}

void HallOfFame::consider(const HallOfFameEntry& entry) {
  const LineageRecord& o = entry.origin;
  if (enters_best(o.hash, o.fitness)) {
    const auto position = std::upper_bound(best_.begin(), best_.end(), o.fitness,
                                           [](double f, const HallOfFameEntry& e) { return f > e.origin.fitness; });
    best_.insert(position, entry);
    if (static_cast<int>(best_.size()) > capacity_) best_.pop_back();
  }
  if (enters_front(o.hash, o.fitness, o.states, o.ops)) {
    std::erase_if(front_, [&](const HallOfFameEntry& e) {
      return o.fitness >= e.origin.fitness && o.states <= e.origin.states && o.ops <= e.origin.ops;
    });
    const auto position = std::upper_bound(front_.begin(), front_.end(), entry, [](const auto& a, const auto& b) {
      return std::tie(a.origin.states, a.origin.ops) < std::tie(b.origin.states, b.origin.ops);
    });
    front_.insert(position, entry);
  }
}

std::vector<long> HallOfFame::ids() const {
  std::vector<long> ids;
  for (const auto& e : best_) ids.push_back(e.origin.id);
  for (const auto& e : front_) ids.push_back(e.origin.id);
  return ids;
}

nlohmann::json task_score_to_json(const TaskScore& s) {
  return {{"task", s.task},
          {"loss", finite_or_null(s.loss)},
          {"loss_std", finite_or_null(s.loss_std)},
          {"accuracy", s.accuracy ? finite_or_null(*s.accuracy) : nlohmann::json()},
          {"adamw_loss", finite_or_null(s.adamw_loss)},
          {"adamw_learning_rate", s.adamw_learning_rate},
          {"rate_multiplier", s.rate_multiplier},
          {"score", s.score},
          {"diverged", s.diverged},
          {"hurdle_score", s.hurdle_score ? nlohmann::json(*s.hurdle_score) : nlohmann::json()},
          {"stopped_at_hurdle", s.stopped_at_hurdle}};
}

TaskScore task_score_from_json(const nlohmann::json& json) {
  TaskScore s;
  s.task = json.at("task").get<std::string>();
  s.loss = number_or_infinity(json.at("loss"));
  s.loss_std = number_or_infinity(json.at("loss_std"));
  if (!json.at("accuracy").is_null()) s.accuracy = json.at("accuracy").get<double>();
  s.adamw_loss = number_or_infinity(json.at("adamw_loss"));
  s.adamw_learning_rate = json.at("adamw_learning_rate").get<double>();
  s.rate_multiplier = json.value("rate_multiplier", 1.0);  // absent in runs before multipliers
  s.score = json.at("score").get<double>();
  s.diverged = json.at("diverged").get<bool>();
  // Both absent in runs before hurdles.
  if (const auto hurdle = json.find("hurdle_score"); hurdle != json.end() && !hurdle->is_null()) {
    s.hurdle_score = hurdle->get<double>();
  }
  s.stopped_at_hurdle = json.value("stopped_at_hurdle", false);
  return s;
}

nlohmann::json hall_of_fame_entry_to_json(const HallOfFameEntry& entry) {
  nlohmann::json json = lineage_record_to_json(entry.origin);
  json["program"] = entry.program;
  try {
    json["folded"] = print_folded(parse_program(entry.program));
  } catch (const DslError&) {
    json["folded"] = entry.program;  // cannot happen for analyzer output; keep the file whole
  }
  json["found_at_seconds"] = entry.found_at_seconds;
  nlohmann::json tasks = nlohmann::json::array();
  for (const TaskScore& t : entry.tasks) tasks.push_back(task_score_to_json(t));
  json["tasks"] = tasks;
  return json;
}

HallOfFameEntry hall_of_fame_entry_from_json(const nlohmann::json& json) {
  try {
    HallOfFameEntry entry;
    entry.origin = lineage_record_from_json(json);
    entry.program = json.at("program").get<std::string>();
    entry.found_at_seconds = json.at("found_at_seconds").get<double>();
    for (const auto& t : json.at("tasks")) entry.tasks.push_back(task_score_from_json(t));
    return entry;
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(fmt::format("hall-of-fame entry: {}", error.what()));
  }
}

nlohmann::json hall_of_fame_to_json(const HallOfFame& hall) {
  nlohmann::json best = nlohmann::json::array(), front = nlohmann::json::array();
  for (const auto& e : hall.best()) best.push_back(hall_of_fame_entry_to_json(e));
  for (const auto& e : hall.pareto_front()) front.push_back(hall_of_fame_entry_to_json(e));
  return {{"capacity", hall.capacity()}, {"best", best}, {"pareto_front", front}};
}

HallOfFame hall_of_fame_from_json(const nlohmann::json& json) {
  try {
    const int capacity = json.at("capacity").get<int>();
    if (capacity < 1) throw std::runtime_error("hall of fame: capacity must be at least 1");
    std::vector<HallOfFameEntry> best, front;
    for (const auto& e : json.at("best")) best.push_back(hall_of_fame_entry_from_json(e));
    for (const auto& e : json.at("pareto_front")) front.push_back(hall_of_fame_entry_from_json(e));
    if (static_cast<int>(best.size()) > capacity) throw std::runtime_error("hall of fame: more entries than its capacity");
    return HallOfFame(capacity, std::move(best), std::move(front));
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(fmt::format("hall of fame: {}", error.what()));
  }
}

}  // namespace symopt
