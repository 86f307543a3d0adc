// Where each evaluated program came from: its parent, the mutation that made it and its
// fitness. Kept for the ancestors of the programs still of interest, so that `symopt show
// --lineage ID` can replay the path from the warm start.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace symopt {

struct LineageRecord {
  long id = -1;
  long parent_id = -1;        // -1: a warm start
  std::string mutation;       // how the parent became this; the source file for warm starts
  int generation = 0;         // mutations since the warm start
  std::uint64_t hash = 0;     // structural hash of the analyzed program
  double fitness = 0;
  int states = 0;             // state tensors per parameter
  int ops = 0;                // statements of the dead-code-free form
  long evaluation = 0;        // the run's evaluation counter when it was evaluated
};

class Lineage {
 public:
  void add(const LineageRecord& record);
  const LineageRecord* find(long id) const;
  // The chain from the warm start to `id` (warm start first); empty when `id` is unknown.
  // Stops early (at the oldest kept ancestor) if a parent was dropped.
  std::vector<LineageRecord> chain(long id) const;
  // Drops every record that is not one of `ids` or an ancestor of one. Then, while more than
  // `max_records` remain (0: no bound), the oldest ancestors (lowest ids) that are not among
  // `ids` themselves go, so chains start later: ancestry grows with the generations, and a
  // long run would otherwise keep (and checkpoint) a record per generation forever.
  void keep_ancestors_of(const std::vector<long>& ids, std::size_t max_records = 0);
  std::size_t size() const { return records_.size(); }
  const std::map<long, LineageRecord>& records() const { return records_; }

 private:
  std::map<long, LineageRecord> records_;
};

nlohmann::json lineage_record_to_json(const LineageRecord& record);
nlohmann::json lineage_to_json(const Lineage& lineage);  // its records, oldest first
// Throws std::runtime_error naming the missing or mistyped key.
LineageRecord lineage_record_from_json(const nlohmann::json& json);
std::string hash_to_hex(std::uint64_t hash);
std::uint64_t hash_from_hex(const std::string& text);  // std::runtime_error when malformed
// Non-finite numbers become null in JSON (which has no infinities) and come back as +inf.
nlohmann::json finite_or_null(double value);
double number_or_infinity(const nlohmann::json& value);

}  // namespace symopt
