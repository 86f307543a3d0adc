// The messages islands exchange: a status (heartbeat), a migration (best programs as text
// with fitness and hash, new hall-of-fame entries, and the scores of freshly evaluated
// structures for the other fitness caches), a final report and a stop request. Encoded
// as CBOR (binary JSON): compact, and non-finite losses survive.
#pragma once

#include "evaluator/evaluator.h"
#include "search/hall_of_fame.h"
#include "search/search_state.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace symopt::distributed {

enum class MessageKind {
  heartbeat,  // status only; tells the receiver the sender is alive
  migration,  // status, migrants, hall-of-fame entries, scores
  final,      // like a migration, sent to rank 0 when the sender's search has ended
  stop,       // asks the receiver to end its search (a target was reached, or rank 0 was stopped)
};

struct IslandStatus {
  int rank = 0;
  double elapsed_seconds = 0;
  SearchCounters counters;
  double evaluations_per_second = 0;
  double best_fitness = -1;
  bool finished = false;
  std::string stop_reason;  // when finished
};

struct IslandMessage {
  MessageKind kind = MessageKind::heartbeat;
  IslandStatus status;
  // The best programs of the sender's population, as evolved (origin.id is the sender's id).
  std::vector<HallOfFameEntry> migrants;
  // Hall-of-fame entries the sender found since its last migration (canonical text).
  std::vector<HallOfFameEntry> hall_of_fame;
  // Structures the sender evaluated since its last migration (structural_hash set).
  std::vector<Fitness> scores;
  // Final reports: the sender's island statistics (see island_statistics_to_json).
  nlohmann::json statistics;
};

std::vector<std::uint8_t> encode_message(const IslandMessage& message);
// Throws std::runtime_error when the bytes are not a message.
IslandMessage decode_message(std::span<const std::uint8_t> bytes);

std::string_view message_kind_name(MessageKind kind);

}  // namespace symopt::distributed
