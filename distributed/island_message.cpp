// CBOR encoding of island messages. Entries are arrays rather than objects, and task names
// are listed once per message, because the scores of every evaluated structure are the
// bulk of the migration traffic.
#include "distributed/island_message.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>
#include <stdexcept>

namespace symopt::distributed {
namespace {

using nlohmann::json;

constexpr int format_version = 1;

// Task names are replaced by their index in the message's name table.
class TaskNames {
 public:
  int index_of(const std::string& name) {
    const auto [it, inserted] = indices_.emplace(name, static_cast<int>(names_.size()));
    if (inserted) names_.push_back(name);
    return it->second;
  }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::map<std::string, int> indices_;
  std::vector<std::string> names_;
};

json optional_number(const std::optional<double>& value) { return value ? json(*value) : json(); }

json tasks_to_json(const std::vector<TaskScore>& tasks, TaskNames& names) {
  json out = json::array();
  for (const TaskScore& t : tasks) {
    out.push_back({names.index_of(t.task), t.loss, t.loss_std, optional_number(t.accuracy), t.adamw_loss,
                   t.adamw_learning_rate, t.score, t.diverged});
  }
  return out;
}

std::vector<TaskScore> tasks_from_json(const json& in, const std::vector<std::string>& names) {
  std::vector<TaskScore> tasks;
  for (const json& t : in) {
    TaskScore s;
    const auto index = t.at(0).get<std::size_t>();
    if (index >= names.size()) throw std::runtime_error("task index out of range");
    s.task = names[index];
    s.loss = t.at(1).get<double>();
    s.loss_std = t.at(2).get<double>();
    if (!t.at(3).is_null()) s.accuracy = t.at(3).get<double>();
    s.adamw_loss = t.at(4).get<double>();
    s.adamw_learning_rate = t.at(5).get<double>();
    s.score = t.at(6).get<double>();
    s.diverged = t.at(7).get<bool>();
    tasks.push_back(std::move(s));
  }
  return tasks;
}

json entry_to_json(const HallOfFameEntry& e, TaskNames& names) {
  const LineageRecord& o = e.origin;
  return {o.id,  o.parent_id, o.mutation, o.generation, o.hash, o.fitness, o.states, o.ops, o.evaluation,
          e.program, e.found_at_seconds, tasks_to_json(e.tasks, names)};
}

HallOfFameEntry entry_from_json(const json& j, const std::vector<std::string>& names) {
  HallOfFameEntry e;
  LineageRecord& o = e.origin;
  o.id = j.at(0).get<long>();
  o.parent_id = j.at(1).get<long>();
  o.mutation = j.at(2).get<std::string>();
  o.generation = j.at(3).get<int>();
  o.hash = j.at(4).get<std::uint64_t>();
  o.fitness = j.at(5).get<double>();
  o.states = j.at(6).get<int>();
  o.ops = j.at(7).get<int>();
  o.evaluation = j.at(8).get<long>();
  e.program = j.at(9).get<std::string>();
  e.found_at_seconds = j.at(10).get<double>();
  e.tasks = tasks_from_json(j.at(11), names);
  return e;
}

json status_to_json(const IslandStatus& s) {
  const SearchCounters& c = s.counters;
  return {s.rank, s.elapsed_seconds, c.candidates, c.rejected, c.evaluations, c.cached, c.restarts,
          s.evaluations_per_second, s.best_fitness, s.finished, s.stop_reason, c.stopped_at_hurdle};
}

IslandStatus status_from_json(const json& j) {
  IslandStatus s;
  s.rank = j.at(0).get<int>();
  s.elapsed_seconds = j.at(1).get<double>();
  s.counters.candidates = j.at(2).get<long>();
  s.counters.rejected = j.at(3).get<long>();
  s.counters.evaluations = j.at(4).get<long>();
  s.counters.cached = j.at(5).get<long>();
  s.counters.restarts = j.at(6).get<long>();
  s.evaluations_per_second = j.at(7).get<double>();
  s.best_fitness = j.at(8).get<double>();
  s.finished = j.at(9).get<bool>();
  s.stop_reason = j.at(10).get<std::string>();
  s.counters.stopped_at_hurdle = j.at(11).get<long>();
  return s;
}

}  // namespace

std::string_view message_kind_name(MessageKind kind) {
  switch (kind) {
    case MessageKind::heartbeat: return "heartbeat";
    case MessageKind::migration: return "migration";
    case MessageKind::final: return "final";
    case MessageKind::stop: return "stop";
  }
  return "?";
}

std::vector<std::uint8_t> encode_message(const IslandMessage& m) {
  TaskNames names;
  json migrants = json::array(), hall = json::array(), scores = json::array();
  for (const HallOfFameEntry& e : m.migrants) migrants.push_back(entry_to_json(e, names));
  for (const HallOfFameEntry& e : m.hall_of_fame) hall.push_back(entry_to_json(e, names));
  for (const Fitness& f : m.scores) {
    scores.push_back({f.structural_hash, f.fingerprint, f.value, tasks_to_json(f.tasks, names)});
  }
  const json document = {{"v", format_version},   {"k", static_cast<int>(m.kind)}, {"s", status_to_json(m.status)},
                         {"t", names.names()},    {"m", migrants},                 {"h", hall},
                         {"c", scores},           {"x", m.statistics}};
  return json::to_cbor(document);
}

IslandMessage decode_message(std::span<const std::uint8_t> bytes) {
  try {
    const json document = json::from_cbor(bytes.begin(), bytes.end());
    if (document.at("v").get<int>() != format_version) {
      throw std::runtime_error(fmt::format("format version {}, expected {}", document.at("v").dump(), format_version));
    }
    IslandMessage m;
    const int kind = document.at("k").get<int>();
    if (kind < 0 || kind > static_cast<int>(MessageKind::stop)) throw std::runtime_error("unknown message kind");
    m.kind = static_cast<MessageKind>(kind);
    m.status = status_from_json(document.at("s"));
    const auto names = document.at("t").get<std::vector<std::string>>();
    for (const json& e : document.at("m")) m.migrants.push_back(entry_from_json(e, names));
    for (const json& e : document.at("h")) m.hall_of_fame.push_back(entry_from_json(e, names));
    for (const json& c : document.at("c")) {
      Fitness f;
      f.structural_hash = c.at(0).get<std::uint64_t>();
      f.fingerprint = c.at(1).get<std::uint64_t>();
      f.value = c.at(2).get<double>();
      f.tasks = tasks_from_json(c.at(3), names);
      m.scores.push_back(std::move(f));
    }
    m.statistics = document.at("x");
    return m;
  } catch (const json::exception& error) {
    throw std::runtime_error(fmt::format("not an island message: {}", error.what()));
  } catch (const std::runtime_error& error) {
    throw std::runtime_error(fmt::format("not an island message: {}", error.what()));
  }
}

}  // namespace symopt::distributed
