// The lineage store and its JSON form.
#include "search/lineage.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <limits>
#include <set>
#include <stdexcept>

namespace symopt {

void Lineage::add(const LineageRecord& record) { records_[record.id] = record; }

const LineageRecord* Lineage::find(long id) const {
  const auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second;
}

std::vector<LineageRecord> Lineage::chain(long id) const {
  std::vector<LineageRecord> path;
  std::set<long> seen;  // guards against a cycle in a damaged file
  for (const LineageRecord* record = find(id); record && seen.insert(record->id).second;
       record = record->parent_id >= 0 ? find(record->parent_id) : nullptr) {
    path.push_back(*record);
  }
  return {path.rbegin(), path.rend()};
}

void Lineage::keep_ancestors_of(const std::vector<long>& ids, std::size_t max_records) {
  std::set<long> keep;
  for (long id : ids) {
    for (const LineageRecord* record = find(id); record && keep.insert(record->id).second;
         record = record->parent_id >= 0 ? find(record->parent_id) : nullptr) {
    }
  }
  std::erase_if(records_, [&](const auto& entry) { return !keep.contains(entry.first); });
  if (max_records == 0 || records_.size() <= max_records) return;
  // Ids grow with time, so the map's order is oldest first: the trunk shared by every chain.
  const std::set<long> required(ids.begin(), ids.end());
  for (auto it = records_.begin(); it != records_.end() && records_.size() > max_records;) {
    it = required.contains(it->first) ? std::next(it) : records_.erase(it);
  }
}

nlohmann::json lineage_to_json(const Lineage& lineage) {
  nlohmann::json records = nlohmann::json::array();
  for (const auto& [id, record] : lineage.records()) records.push_back(lineage_record_to_json(record));
  return records;
}

std::string hash_to_hex(std::uint64_t hash) { return fmt::format("{:016x}", hash); }

std::uint64_t hash_from_hex(const std::string& text) {
  if (text.empty() || text.size() > 16 || text.find_first_not_of("0123456789abcdef") != std::string::npos) {
    throw std::runtime_error(fmt::format("expected a 16-digit hexadecimal hash, found '{}'", text));
  }
  return std::stoull(text, nullptr, 16);
}

nlohmann::json finite_or_null(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); }

double number_or_infinity(const nlohmann::json& value) {
  if (value.is_null()) return std::numeric_limits<double>::infinity();
  return value.get<double>();
}

nlohmann::json lineage_record_to_json(const LineageRecord& r) {
  return {{"id", r.id},         {"parent_id", r.parent_id}, {"mutation", r.mutation},
          {"generation", r.generation}, {"hash", hash_to_hex(r.hash)}, {"fitness", r.fitness},
          {"states", r.states}, {"ops", r.ops},             {"evaluation", r.evaluation}};
}

LineageRecord lineage_record_from_json(const nlohmann::json& json) {
  try {
    LineageRecord r;
    r.id = json.at("id").get<long>();
    r.parent_id = json.at("parent_id").get<long>();
    r.mutation = json.at("mutation").get<std::string>();
    r.generation = json.at("generation").get<int>();
    r.hash = hash_from_hex(json.at("hash").get<std::string>());
    r.fitness = json.at("fitness").get<double>();
    r.states = json.at("states").get<int>();
    r.ops = json.at("ops").get<int>();
    r.evaluation = json.at("evaluation").get<long>();
    return r;
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(fmt::format("lineage record: {}", error.what()));
  }
}

}  // namespace symopt
