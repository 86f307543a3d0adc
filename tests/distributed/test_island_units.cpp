// The island model's parts that need no MPI: message encoding, per-rank plans, migrants,
// shared scores and the peer table.
#include "distributed/island_message.h"
#include "distributed/island_plan.h"
#include "distributed/migration.h"
#include "distributed/peer_table.h"
#include "distributed/shared_scores.h"
#include "common/input_error.h"
#include "dsl/printer.h"
#include "search/search_test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

namespace symopt::distributed {
namespace {

TaskScore task_score(const std::string& task, double loss, std::optional<double> accuracy) {
  TaskScore s;
  s.task = task;
  s.loss = loss;
  s.loss_std = 0.25;
  s.accuracy = accuracy;
  s.adamw_loss = 1.5;
  s.adamw_learning_rate = 3e-3;
  s.score = std::isfinite(loss) ? 0.125 : -1;
  s.diverged = !std::isfinite(loss);
  return s;
}

HallOfFameEntry entry(long id, std::uint64_t hash, double fitness, const std::string& program) {
  HallOfFameEntry e;
  e.origin.id = id;
  e.origin.parent_id = id - 1;
  e.origin.mutation = "change_op";
  e.origin.generation = 3;
  e.origin.hash = hash;
  e.origin.fitness = fitness;
  e.origin.states = 1;
  e.origin.ops = 4;
  e.origin.evaluation = 99;
  e.program = program;
  e.found_at_seconds = 1.5;
  e.tasks = {task_score("quadratic", 0.5, std::nullopt), task_score("mlp-digits", INFINITY, 0.75)};
  return e;
}

std::string sign_program() { return print_program(testing::load_program("signum.opt")); }

TEST(DistributedMessage, RoundTripKeepsEveryField) {
  IslandMessage m;
  m.kind = MessageKind::final;
  m.status = {3, 12.5, {100, 20, 80, 10, 1}, 6.5, 0.25, true, "wall-time budget reached"};
  m.migrants = {entry(7, 0xfedcba9876543210ULL, 0.5, sign_program())};
  m.hall_of_fame = {entry(8, 42, -1, sign_program()), entry(9, 43, 0.75, sign_program())};
  Fitness f;
  f.value = 0.3;
  f.structural_hash = 0x8000000000000001ULL;
  f.fingerprint = 77;
  f.tasks = {task_score("quadratic", INFINITY, std::nullopt)};
  m.scores = {f};
  m.statistics = {{"bytes_sent", 123}};

  const IslandMessage back = decode_message(encode_message(m));
  EXPECT_EQ(back.kind, MessageKind::final);
  EXPECT_EQ(back.status.rank, 3);
  EXPECT_EQ(back.status.counters.evaluations, 80);
  EXPECT_EQ(back.status.counters.restarts, 1);
  EXPECT_TRUE(back.status.finished);
  EXPECT_EQ(back.status.stop_reason, "wall-time budget reached");
  ASSERT_EQ(back.migrants.size(), 1u);
  EXPECT_EQ(back.migrants[0].origin.hash, 0xfedcba9876543210ULL);
  EXPECT_EQ(back.migrants[0].program, sign_program());
  EXPECT_EQ(back.migrants[0].origin.mutation, "change_op");
  ASSERT_EQ(back.hall_of_fame.size(), 2u);
  EXPECT_EQ(back.hall_of_fame[1].origin.fitness, 0.75);
  ASSERT_EQ(back.hall_of_fame[0].tasks.size(), 2u);
  EXPECT_EQ(back.hall_of_fame[0].tasks[1].task, "mlp-digits");
  EXPECT_TRUE(std::isinf(back.hall_of_fame[0].tasks[1].loss));  // CBOR keeps infinities
  EXPECT_EQ(back.hall_of_fame[0].tasks[1].accuracy, std::optional<double>(0.75));
  EXPECT_FALSE(back.hall_of_fame[0].tasks[0].accuracy.has_value());
  ASSERT_EQ(back.scores.size(), 1u);
  EXPECT_EQ(back.scores[0].structural_hash, 0x8000000000000001ULL);
  EXPECT_EQ(back.scores[0].fingerprint, 77u);
  EXPECT_EQ(back.scores[0].value, 0.3);
  EXPECT_TRUE(back.scores[0].tasks[0].diverged);
  EXPECT_EQ(back.statistics.at("bytes_sent"), 123);
}

TEST(DistributedMessage, GarbageIsRejected) {
  const std::vector<std::uint8_t> garbage = {0xff, 0x00, 0x13};
  EXPECT_THROW(decode_message(garbage), std::runtime_error);
  std::vector<std::uint8_t> truncated = encode_message(IslandMessage{});
  truncated.resize(truncated.size() / 2);
  EXPECT_THROW(decode_message(truncated), std::runtime_error);
}

TEST(DistributedMessage, AScoreCostsAboutAHundredBytes) {
  // The scores dominate migration traffic; docs/distributed.md estimates from this size.
  IslandMessage m;
  for (int k = 0; k < 100; ++k) {
    Fitness f;
    f.value = 0.1 * k;
    f.structural_hash = 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(k + 1);
    f.fingerprint = f.structural_hash ^ 0x5555;
    f.tasks = {task_score("quadratic", 0.5 + k, std::nullopt), task_score("logreg-digits", 0.25, 0.9)};
    m.scores.push_back(f);
  }
  const std::size_t with = encode_message(m).size();
  m.scores.clear();
  const double per_score = static_cast<double>(with - encode_message(m).size()) / 100;
  EXPECT_GT(per_score, 50);
  EXPECT_LT(per_score, 200);
}

TEST(DistributedConfig, IslandKeysAreReadCheckedAndWrittenBack) {
  const SearchConfig config = search_config_from_json(
      nlohmann::json::parse(R"({"preset": "quick", "islands": {"migration_seconds": 5, "migrants": 2,
                                "topology": "ring", "heartbeat_seconds": 0.5, "rank_timeout_seconds": 9}})"),
      "test.json");
  EXPECT_EQ(config.islands.migration_seconds, 5);
  EXPECT_EQ(config.islands.migrants, 2);
  EXPECT_TRUE(config.islands.ring);
  EXPECT_EQ(config.islands.heartbeat_seconds, 0.5);
  EXPECT_EQ(config.islands.rank_timeout_seconds, 9);
  const SearchConfig again = search_config_from_json(search_config_to_json(config), "again");
  EXPECT_TRUE(again.islands.ring);
  EXPECT_EQ(again.islands.migration_seconds, 5);
  EXPECT_EQ(load_preset("quick").islands.migration_seconds, 180) << "a few minutes by default";
  try {
    search_config_from_json(nlohmann::json::parse(R"({"preset": "quick", "islands": {"topology": "star"}})"), "bad.json");
    FAIL() << "an unknown topology must be refused";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("bad.json: key 'islands.topology'"), std::string::npos) << error.what();
  }
  EXPECT_THROW(search_config_from_json(nlohmann::json::parse(R"({"preset": "quick", "islands": {"migration_seconds": 0}})"), "b"),
               InputError);
  EXPECT_THROW(search_config_from_json(nlohmann::json::parse(R"({"preset": "quick", "islands": {"hops": 1}})"), "b"),
               InputError);
}

TEST(DistributedPlan, SeedsDifferPerRankAndRankZeroKeepsTheRunSeed) {
  std::set<std::uint64_t> seeds;
  for (int rank = 0; rank < 64; ++rank) seeds.insert(island_seed(7, rank));
  EXPECT_EQ(seeds.size(), 64u);
  EXPECT_EQ(island_seed(7, 0), 7u);
  EXPECT_EQ(island_seed(7, 3), island_seed(7, 3));
  EXPECT_NE(island_seed(7, 3), island_seed(8, 3));
}

TEST(DistributedPlan, EvaluationSharesAddUpToTheBudget) {
  for (long total : {1L, 7L, 100L, 1001L}) {
    for (int ranks : {1, 2, 3, 8}) {
      long sum = 0;
      for (int r = 0; r < ranks; ++r) sum += evaluation_share(total, r, ranks);
      EXPECT_EQ(sum, std::max<long>(total, ranks)) << total << " over " << ranks;  // at least one each
    }
  }
  EXPECT_EQ(evaluation_share(0, 1, 4), 0);
}

TEST(DistributedPlan, TargetsAreEveryOtherRankOrTheNextOnTheRing) {
  EXPECT_EQ(migration_targets(1, 4, false), (std::vector<int>{0, 2, 3}));
  EXPECT_EQ(migration_targets(3, 4, true), (std::vector<int>{0}));
  EXPECT_EQ(migration_targets(0, 2, true), (std::vector<int>{1}));
  EXPECT_TRUE(migration_targets(0, 1, false).empty());
}

SearchState small_state(const SearchConfig& config, const FitnessFunction& fitness) {
  SearchHooks hooks;
  hooks.fitness = fitness;
  SearchState state = start_search(config, testing::adamw_warm_start(), hooks, "test");
  run_search(config, state, hooks);
  return state;
}

TEST(DistributedMigration, MigrantsAreTheFittestDistinctStructures) {
  const SearchConfig config = testing::small_search_config(1, 64);
  const SearchState state = small_state(config, testing::toy_fitness());
  const std::vector<HallOfFameEntry> migrants = choose_migrants(state, 5);
  ASSERT_EQ(migrants.size(), 5u);
  std::set<std::uint64_t> hashes;
  double best = -2;
  for (const Individual& i : state.population) best = std::max(best, i.fitness);
  EXPECT_EQ(migrants.front().origin.fitness, best);
  for (std::size_t k = 0; k < migrants.size(); ++k) {
    hashes.insert(migrants[k].origin.hash);
    if (k) {
      EXPECT_LE(migrants[k].origin.fitness, migrants[k - 1].origin.fitness);
    }
  }
  EXPECT_EQ(hashes.size(), migrants.size());
}

TEST(DistributedMigration, AbsorbedProgramsJoinPopulationHallOfFameAndLineage) {
  SearchConfig config = testing::small_search_config(2, 32);
  config.hall_of_fame_size = 100;
  const FitnessFunction fitness = testing::toy_fitness();
  const SearchState sender = small_state(config, fitness);
  SearchConfig receiver_config = config;
  receiver_config.seed = 3;
  SearchState receiver = small_state(receiver_config, fitness);

  IslandMessage message;
  message.kind = MessageKind::migration;
  message.status.rank = 1;
  message.migrants = choose_migrants(sender, 3);
  HallOfFameExport sender_export;
  message.hall_of_fame = sender_export.take_new(sender.hall_of_fame);
  EXPECT_TRUE(sender_export.take_new(sender.hall_of_fame).empty()) << "every entry travels once";
  const IslandMessage received = decode_message(encode_message(message));

  HallOfFameExport receiver_export;
  const long next_id = receiver.next_id;
  const AbsorbCounts counts = absorb_message(receiver_config, receiver, received, receiver_export);
  EXPECT_EQ(counts.migrants, 3);
  EXPECT_GT(counts.hall_of_fame, 0);
  EXPECT_EQ(counts.unreadable, 0);
  EXPECT_EQ(static_cast<int>(receiver.population.size()), config.population_size);
  // The newest members are the migrants, with fresh ids and lineage naming their origin.
  const Individual& newest = receiver.population.back();
  EXPECT_GE(newest.id, next_id);
  EXPECT_EQ(newest.hash, message.migrants.back().origin.hash);
  const LineageRecord* record = receiver.lineage.find(newest.id);
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->parent_id, -1);
  EXPECT_EQ(record->mutation.rfind("migrant from rank 1 (id ", 0), 0u) << record->mutation;
  int migrated_entries = 0;
  for (const HallOfFameEntry& e : receiver.hall_of_fame.best()) {
    if (e.origin.mutation.rfind("migrant from rank 1", 0) == 0) {
      ++migrated_entries;
      EXPECT_NE(receiver.lineage.find(e.origin.id), nullptr);
      EXPECT_FALSE(e.tasks.empty());
    }
  }
  EXPECT_GT(migrated_entries, 0);
  // Entries received are not sent on.
  for (const HallOfFameEntry& e : receiver_export.take_new(receiver.hall_of_fame)) {
    EXPECT_EQ(e.origin.mutation.rfind("migrant from", 0), std::string::npos) << e.origin.mutation;
  }
}

TEST(DistributedMigration, UnreadableProgramsAreCountedNotAbsorbed) {
  SearchConfig config = testing::small_search_config(2, 16);
  SearchState state = small_state(config, testing::toy_fitness());
  IslandMessage message;
  message.status.rank = 2;
  message.migrants = {entry(1, 5, 0.9, "this is not a program")};
  HallOfFameExport known;
  const auto population = state.population.size();
  const AbsorbCounts counts = absorb_message(config, state, message, known);
  EXPECT_EQ(counts.unreadable, 1);
  EXPECT_EQ(counts.migrants, 0);
  EXPECT_EQ(state.population.size(), population);
}

TEST(DistributedMigration, MigrantsEqualToAMemberAreTurnedAwayNotCounted) {
  SearchConfig config = testing::small_search_config(2, 16);
  config.population_duplicates = PopulationDuplicates::turn_away;
  SearchState state = small_state(config, testing::toy_fitness());
  IslandMessage message;
  message.status.rank = 1;
  message.migrants = choose_migrants(state, 2);  // copies of the island's own members
  ASSERT_EQ(message.migrants.size(), 2u);
  HallOfFameExport known;
  const auto turned_away = state.counters.turned_away;
  const AbsorbCounts counts = absorb_message(config, state, message, known);
  EXPECT_EQ(counts.migrants, 0);
  EXPECT_EQ(state.counters.turned_away, turned_away + 2);
}

AnalyzedProgram analyzed(const std::string& name) { return analyze(testing::load_program(name)); }

TEST(DistributedSharedScores, ImportedStructuresAreAnsweredWithoutEvaluating) {
  SharedScores shared;
  int calls = 0;
  const FitnessFunction counting = [&](const AnalyzedProgram& program) {
    ++calls;
    Fitness f;
    f.value = 0.5;
    f.structural_hash = program.structural_hash;
    return f;
  };
  const FitnessFunction fitness = shared.wrap(counting);
  const AnalyzedProgram lion = analyzed("lion.opt"), adam = analyzed("adam.opt");
  Fitness imported;
  imported.value = 0.25;
  imported.structural_hash = lion.structural_hash;
  shared.import_scores({imported});

  const Fitness answered = fitness(lion);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(answered.value, 0.25);
  EXPECT_TRUE(answered.cached);
  EXPECT_EQ(shared.imported_hits(), 1);

  EXPECT_EQ(fitness(adam).value, 0.5);
  EXPECT_EQ(calls, 1);
  const std::vector<Fitness> fresh = shared.take_fresh();
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].structural_hash, adam.structural_hash);
  fitness(adam);
  EXPECT_TRUE(shared.take_fresh().empty()) << "a structure is exported once";
  shared.import_scores({imported});
  EXPECT_EQ(shared.imported(), 1);
}

TEST(DistributedSharedScores, BatchesEvaluateOnlyTheUnknownAndKeepTheOrder) {
  SharedScores shared;
  std::size_t evaluated = 0;
  const BatchFitnessFunction batch = shared.wrap(BatchFitnessFunction([&](const std::vector<AnalyzedProgram>& programs) {
    evaluated += programs.size();
    std::vector<Fitness> out;
    for (std::size_t k = 0; k < programs.size(); ++k) out.push_back(Fitness{0.5, {}, false, programs[k].structural_hash, 0});
    return out;
  }));
  const AnalyzedProgram lion = analyzed("lion.opt"), adam = analyzed("adam.opt"), sgd = analyzed("sgd.opt");
  shared.import_scores({Fitness{0.25, {}, false, adam.structural_hash, 0}});
  const std::vector<Fitness> results = batch({lion, adam, sgd});
  EXPECT_EQ(evaluated, 2u);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].value, 0.5);
  EXPECT_EQ(results[1].value, 0.25);
  EXPECT_TRUE(results[1].cached);
  EXPECT_EQ(results[2].structural_hash, sgd.structural_hash);
  EXPECT_EQ(shared.take_fresh().size(), 2u);
}

TEST(DistributedSharedScores, MemoryIsBoundedByDroppingTheOlderGeneration) {
  SharedScores shared(4);  // generations of 2 structures
  const auto score = [](std::uint64_t hash) { return Fitness{0.5, {}, false, hash, 0}; };
  int calls = 0;
  const FitnessFunction fitness = shared.wrap(FitnessFunction([&](const AnalyzedProgram&) {
    ++calls;
    return Fitness{};
  }));
  AnalyzedProgram program = analyzed("lion.opt");
  shared.import_scores({score(1), score(2), score(3)});
  program.structural_hash = 1;
  EXPECT_EQ(fitness(program).value, 0.5) << "the older generation still answers";
  shared.import_scores({score(4)});
  EXPECT_EQ(shared.forgotten(), 2);
  fitness(program);
  EXPECT_EQ(calls, 1) << "structure 1 was dropped with its generation";
  program.structural_hash = 4;
  EXPECT_EQ(fitness(program).value, 0.5);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(shared.imported(), 4);
}

TEST(DistributedSharedScores, CapacityZeroKeepsEveryStructure) {
  SharedScores shared(0);  // as suite.fitness_cache_capacity 0: no bound
  std::vector<Fitness> scores;
  for (std::uint64_t hash = 1; hash <= 5000; ++hash) scores.push_back(Fitness{0.5, {}, false, hash, 0});
  shared.import_scores(scores);
  EXPECT_EQ(shared.imported(), 5000);
  EXPECT_EQ(shared.forgotten(), 0);
  int calls = 0;
  const FitnessFunction fitness = shared.wrap(FitnessFunction([&](const AnalyzedProgram&) {
    ++calls;
    return Fitness{};
  }));
  AnalyzedProgram program = analyzed("lion.opt");
  program.structural_hash = 1;
  EXPECT_EQ(fitness(program).value, 0.5) << "the first structure is still known";
  EXPECT_EQ(calls, 0);
}

TEST(DistributedPeerTable, SilentRanksAreLostAndComeBackWhenHeard) {
  PeerTable peers(0, 3, 5.0, 0.0);
  EXPECT_EQ(peers.running_others(), 2);
  peers.heard(1, 4.0);
  EXPECT_TRUE(peers.newly_lost(4.5).empty());
  EXPECT_EQ(peers.newly_lost(6.0), (std::vector<int>{2}));
  EXPECT_TRUE(peers.newly_lost(6.5).empty()) << "reported once";
  EXPECT_TRUE(peers.lost(2));
  EXPECT_EQ(peers.newly_lost(9.5), (std::vector<int>{1}));
  peers.heard(1, 10.0);
  EXPECT_FALSE(peers.lost(1));
  EXPECT_FALSE(peers.all_others_done());
  IslandStatus final_status;
  final_status.rank = 1;
  final_status.finished = true;
  final_status.counters.evaluations = 40;
  final_status.evaluations_per_second = 3;
  peers.update(final_status, 11.0);
  EXPECT_TRUE(peers.all_others_done());
  EXPECT_EQ(peers.others_counters().evaluations, 40);
  EXPECT_EQ(peers.others_rate(), 0) << "finished ranks add no rate";
  IslandStatus late_heartbeat = final_status;
  late_heartbeat.finished = false;
  peers.update(late_heartbeat, 12.0);
  EXPECT_TRUE(peers.finished(1)) << "a final status stays final";
  EXPECT_EQ(peers.lost_ranks(), (std::vector<int>{2}));
}

TEST(DistributedPeerTable, OtherRanksWatchOnlyRankZero) {
  // Rank 1 hears rank 2 only through migrations, minutes apart: its silence means nothing.
  PeerTable peers(1, 3, 5.0, 0.0);
  EXPECT_EQ(peers.newly_lost(6.0), (std::vector<int>{0}));
  EXPECT_FALSE(peers.lost(2));
}

}  // namespace
}  // namespace symopt::distributed
