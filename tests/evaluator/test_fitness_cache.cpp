// The fitness cache: a program and its rewritten equivalents (renamed, reordered, x * 2 vs
// x + x) hit the same entry; different programs (beta 0.9 vs 0.95, sign vs tanh) do not;
// programs that blow up on the probe share the 'diverges' fingerprint; the cache is
// thread-safe and counts what it does; it keeps at most its capacity of entries per index,
// forgetting the least recently used, and a forgotten program is trained again to the same fitness.
#include "evaluator/evaluator.h"
#include "evaluator/fitness_cache.h"
#include "evaluator_test_support.h"
#include "fake_quadratic_task.h"

#include <gtest/gtest.h>
#include <tbb/parallel_for.h>

#include <set>

namespace symopt {
namespace {

using testing::analyzed;

const std::string lion =
    "def train(w, g, lr, m):\n"
    "    update = sign(interp(g, m, 0.9))\n"
    "    m = interp(g, m, 0.99)\n"
    "    update = (update + w * 0.1) * lr\n"
    "    return update, m\n";
// Renamed and with the independent statements in another order.
const std::string lion_renamed_reordered =
    "def train(w, g, lr, momentum):\n"
    "    decay = w * 0.1\n"
    "    direction = interp(g, momentum, 0.9)\n"
    "    step = decay + sign(direction)\n"
    "    momentum = interp(g, momentum, 0.99)\n"
    "    return lr * step, momentum\n";
// The decay written as a sum and the rate applied term by term: same function, other ops.
const std::string lion_rewritten =
    "def train(w, g, lr, m):\n"
    "    c = interp(g, m, 0.9)\n"
    "    m = interp(g, m, 0.99)\n"
    "    d = w * 0.05 + w * 0.05\n"
    "    update = sign(c) * lr + d * lr\n"
    "    return update, m\n";
const std::string momentum_times_two =
    "def train(g, lr, m):\n    m = m * 0.9 + g\n    u = m * 2\n    return lr * u, m\n";
const std::string momentum_plus_itself =
    "def train(g, lr, m):\n    m = m * 0.9 + g\n    u = m + m\n    return lr * u, m\n";

TEST(Fingerprint, EquivalentRewritesShareIt) {
  const std::uint64_t reference = behavioural_fingerprint(analyzed(lion));
  EXPECT_EQ(behavioural_fingerprint(analyzed(lion_renamed_reordered)), reference);
  EXPECT_EQ(behavioural_fingerprint(analyzed(lion_rewritten)), reference);
  EXPECT_EQ(behavioural_fingerprint(analyzed(momentum_times_two)),
            behavioural_fingerprint(analyzed(momentum_plus_itself)));
  // The structural hash sees through names and order but not through x * 2 vs x + x.
  EXPECT_EQ(analyzed(lion).structural_hash, analyzed(lion_renamed_reordered).structural_hash);
  EXPECT_NE(analyzed(momentum_times_two).structural_hash, analyzed(momentum_plus_itself).structural_hash);
}

TEST(Fingerprint, DifferentProgramsDiffer) {
  std::string beta_095 = lion;
  beta_095.replace(beta_095.find("0.9)"), 4, "0.95)");
  std::string tanh_instead_of_sign = lion;
  tanh_instead_of_sign.replace(tanh_instead_of_sign.find("sign"), 4, "tanh");
  std::string no_decay = lion;
  no_decay.replace(no_decay.find("w * 0.1"), 7, "w * 0.0");
  // Small constant changes in a sign-based rule flip only a few update signs: the probe must
  // be large enough to see them (a 0.01 change of beta1 changes Lion's training curve).
  std::string beta1_091 = lion;
  beta1_091.replace(beta1_091.find("0.9)"), 4, "0.91)");
  std::string beta1_0899 = lion;
  beta1_0899.replace(beta1_0899.find("0.9)"), 4, "0.899)");
  std::string beta2_0991 = lion;
  beta2_0991.replace(beta2_0991.find("0.99)"), 5, "0.991)");
  const std::string scaled_rate = "def train(g, lr):\n    return lr * 0.5 * g\n";
  const std::string fixed_rate = "def train(g, lr):\n    return 0.0186 * g\n";  // lr-free
  const std::vector<std::string> programs = {lion, beta_095, beta1_091, beta1_0899, beta2_0991, tanh_instead_of_sign, no_decay,
                                             testing::sgd_text, testing::momentum_text, scaled_rate, fixed_rate};
  std::set<std::uint64_t> prints;
  for (const std::string& text : programs) prints.insert(behavioural_fingerprint(analyzed(text)));
  EXPECT_EQ(prints.size(), programs.size());
  EXPECT_EQ(prints.count(diverging_fingerprint), 0u);
}

// Found by a lion-rediscovery run: the second program clips a huge multiple of the momentum,
// which is lr * sign(m) wherever the gradient is not (nearly) zero; where it is, as for the
// embeddings of tokens a batch lacks, it decays the weights instead. Their losses differ.
TEST(Fingerprint, RowsWithoutGradientSeparateSignFromAClippedHugeMomentum) {
  const std::string signum = "def train(g, lr, m):\n    m = interp(g, m, 0.9)\n    return lr * sign(m), m\n";
  const std::string clipped =
      "def train(w, g, lr, m):\n    m = interp(g, m, 0.9)\n    return clip(w * 0.01 + m * 1e8, lr), m\n";
  EXPECT_NE(behavioural_fingerprint(analyzed(signum)), behavioural_fingerprint(analyzed(clipped)));
}

TEST(Fingerprint, NonFiniteProgramsShareTheDivergesPrint) {
  EXPECT_EQ(behavioural_fingerprint(analyzed("def train(g, lr):\n    return lr * log(g)\n")), diverging_fingerprint);
  EXPECT_EQ(behavioural_fingerprint(analyzed("def train(w, lr):\n    return lr * sqrt(w)\n")), diverging_fingerprint);
  EXPECT_EQ(behavioural_fingerprint(analyzed("def train(g, lr):\n    return lr * g / (g - g)\n")),
            diverging_fingerprint);
}

// A small real suite on the fake task, to see hits and evaluations counted.
Evaluator fake_evaluator() {
  SuiteConfig config;
  config.tasks = {"fake-quadratic"};
  config.adamw_sweep.points = 7;
  config.adamw_sweep.max_extensions = 0;
  return Evaluator(config, {testing::make_fake_task(testing::fake_config(20, 0.02, 0.1))});
}

TEST(FitnessCache, EquivalentProgramsHitTheSameEntry) {
  Evaluator evaluator = fake_evaluator();
  const Fitness first = evaluator.evaluate(analyzed(lion));
  EXPECT_FALSE(first.cached);
  const Fitness renamed = evaluator.evaluate(analyzed(lion_renamed_reordered));
  EXPECT_TRUE(renamed.cached);
  EXPECT_EQ(renamed.value, first.value);
  CacheStatistics statistics = evaluator.cache_statistics();
  EXPECT_EQ(statistics.lookups, 2);
  EXPECT_EQ(statistics.structural_hits, 1);
  EXPECT_EQ(statistics.evaluations, 1);

  const Fitness rewritten = evaluator.evaluate(analyzed(lion_rewritten));
  EXPECT_TRUE(rewritten.cached);
  EXPECT_EQ(rewritten.value, first.value);
  statistics = evaluator.cache_statistics();
  EXPECT_EQ(statistics.behavioural_hits, 1);
  EXPECT_EQ(statistics.evaluations, 1);
  // The rewrite is now filed under its own structure too: asking again is a structural hit.
  evaluator.evaluate(analyzed(lion_rewritten));
  EXPECT_EQ(evaluator.cache_statistics().structural_hits, 2);
}

TEST(FitnessCache, DifferentProgramsAreEachEvaluated) {
  Evaluator evaluator = fake_evaluator();
  std::string beta_095 = lion;
  beta_095.replace(beta_095.find("0.9)"), 4, "0.95)");
  std::string tanh_instead_of_sign = lion;
  tanh_instead_of_sign.replace(tanh_instead_of_sign.find("sign"), 4, "tanh");
  const auto results = evaluator.evaluate_all({analyzed(lion), analyzed(beta_095), analyzed(tanh_instead_of_sign)});
  for (const Fitness& fitness : results) EXPECT_FALSE(fitness.cached);
  EXPECT_EQ(evaluator.cache_statistics().evaluations, 3);
  EXPECT_NE(results[0].value, results[1].value);
  EXPECT_NE(results[0].value, results[2].value);
}

TEST(FitnessCache, DuplicatesInOneBatchAreTrainedOnce) {
  Evaluator evaluator = fake_evaluator();
  const auto results = evaluator.evaluate_all(
      {analyzed(momentum_times_two), analyzed(lion), analyzed(momentum_plus_itself), analyzed(lion_renamed_reordered)});
  EXPECT_EQ(evaluator.cache_statistics().evaluations, 2);
  EXPECT_EQ(evaluator.cache_statistics().structural_hits, 1);
  EXPECT_EQ(evaluator.cache_statistics().behavioural_hits, 1);
  EXPECT_FALSE(results[0].cached);
  EXPECT_TRUE(results[2].cached);
  EXPECT_EQ(results[2].value, results[0].value);
  EXPECT_EQ(results[3].value, results[1].value);
}

TEST(FitnessCache, ProbeDivergenceIsTheWorstFitnessWithoutTraining) {
  Evaluator evaluator = fake_evaluator();
  const Fitness fitness = evaluator.evaluate(analyzed("def train(g, lr):\n    return lr * log(g)\n"));
  EXPECT_EQ(fitness.value, -1.0);
  ASSERT_EQ(fitness.tasks.size(), 1u);
  EXPECT_TRUE(fitness.tasks[0].diverged);
  const CacheStatistics statistics = evaluator.cache_statistics();
  EXPECT_EQ(statistics.evaluations, 0);
  EXPECT_EQ(statistics.probe_divergences, 1);
  // Another program that diverges on the probe shares the entry.
  EXPECT_TRUE(evaluator.evaluate(analyzed("def train(w, lr):\n    return lr * sqrt(w)\n")).cached);
}

TEST(FitnessCache, ConcurrentUseKeepsEveryEntryAndCount) {
  constexpr int entries = 2000;
  FitnessCache<int> cache(2 * entries);  // room for every entry: nothing is evicted here
  tbb::parallel_for(0, entries, [&](int i) {
    const auto key = static_cast<std::uint64_t>(i);
    if (!cache.find_structural(key) && !cache.find_behavioural(key, key + 1'000'000)) {
      cache.insert(key, key + 1'000'000, i);
      cache.count_evaluation();
    }
  });
  tbb::parallel_for(0, entries, [&](int i) {
    const auto key = static_cast<std::uint64_t>(i);
    ASSERT_EQ(cache.find_structural(key).value_or(-1), i);
    // A new structure with a known fingerprint: a behavioural hit, filed under both.
    ASSERT_EQ(cache.find_behavioural(key + 5'000'000, key + 1'000'000).value_or(-1), i);
  });
  const CacheStatistics statistics = cache.statistics();
  EXPECT_EQ(statistics.lookups, 2 * entries);
  EXPECT_EQ(statistics.structural_hits, entries);
  EXPECT_EQ(statistics.behavioural_hits, entries);
  EXPECT_EQ(statistics.evaluations, entries);
  EXPECT_EQ(cache.size(), static_cast<std::size_t>(entries));
  EXPECT_EQ(cache.find_structural(5'000'000 + 7).value_or(-1), 7);
}

TEST(FitnessCache, KeepsTheMostRecentlyUsedEntriesWithinItsCapacity) {
  FitnessCache<int> cache(2);
  EXPECT_EQ(cache.capacity(), 2u);
  cache.insert(1, 101, 10);
  cache.insert(2, 102, 20);
  EXPECT_EQ(cache.find_structural(1).value_or(-1), 10);  // 1 is now more recent than 2
  cache.insert(3, 103, 30);                              // 2 goes from the structural index
  EXPECT_FALSE(cache.find_structural(2));
  EXPECT_EQ(cache.find_structural(1).value_or(-1), 10);
  EXPECT_EQ(cache.find_structural(3).value_or(-1), 30);
  // The fingerprint index has its own order: 101 was never used again, so it went there.
  EXPECT_FALSE(cache.find_behavioural(11, 101));
  EXPECT_EQ(cache.find_behavioural(12, 102).value_or(-1), 20);  // files 12, evicting 1
  EXPECT_FALSE(cache.find_structural(1));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.structural_size(), 2u);
  EXPECT_EQ(cache.statistics().evictions, 3);
  // Inserting a known key keeps the first value (and marks it used).
  cache.insert(3, 999, 31);
  EXPECT_EQ(cache.find_structural(3).value_or(-1), 30);
}

TEST(FitnessCache, CapacityZeroIsUnbounded) {
  FitnessCache<int> cache(0);
  for (int i = 0; i < 5000; ++i) cache.insert(static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(i) + 1'000'000, i);
  EXPECT_EQ(cache.size(), 5000u);
  EXPECT_EQ(cache.find_structural(0).value_or(-1), 0);
  EXPECT_EQ(cache.statistics().evictions, 0);
}

TEST(FitnessCache, AnEvictedProgramIsTrainedAgainToTheSameFitness) {
  SuiteConfig config;
  config.tasks = {"fake-quadratic"};
  config.adamw_sweep.points = 7;
  config.adamw_sweep.max_extensions = 0;
  config.fitness_cache_capacity = 1;
  Evaluator evaluator(config, {testing::make_fake_task(testing::fake_config(20, 0.02, 0.1))});
  const Fitness first = evaluator.evaluate(analyzed(lion));
  const Fitness other = evaluator.evaluate(analyzed(testing::momentum_text));  // evicts lion
  const Fitness again = evaluator.evaluate(analyzed(lion_renamed_reordered));
  EXPECT_FALSE(again.cached);
  EXPECT_EQ(again.value, first.value);
  EXPECT_NE(other.value, first.value);
  const CacheStatistics statistics = evaluator.cache_statistics();
  EXPECT_EQ(statistics.evaluations, 3);
  EXPECT_EQ(statistics.structural_hits + statistics.behavioural_hits, 0);
  EXPECT_EQ(statistics.evictions, 4);  // two entries (structure, fingerprint) per newcomer
  EXPECT_TRUE(evaluator.evaluate(analyzed(lion)).cached);  // the last one stays
}

}  // namespace
}  // namespace symopt
