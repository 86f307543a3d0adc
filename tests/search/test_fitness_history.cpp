// The plot's in-memory points stay within their bound however long the run, evenly thinned,
// from the first tick to the latest.
#include "search/fitness_history.h"

#include <gtest/gtest.h>

namespace symopt {
namespace {

FitnessPoint tick(int i) { return {static_cast<double>(i), 0.001 * i, -0.5}; }

TEST(FitnessHistory, ShortRunsKeepEveryPoint) {
  FitnessHistory history(100);
  for (int i = 0; i < 100; ++i) history.add(tick(i));
  const std::vector<FitnessPoint> points = history.points();
  ASSERT_EQ(points.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(points[i].minutes, i);
  EXPECT_EQ(history.stride(), 1u);
}

TEST(FitnessHistory, LongRunsAreThinnedEvenlyWithinTheBound) {
  for (int ticks : {101, 1000, 4097, 100000}) {
    FitnessHistory history(100);
    for (int i = 0; i < ticks; ++i) history.add(tick(i));
    const std::vector<FitnessPoint> points = history.points();
    ASSERT_LE(points.size(), 101u) << ticks;
    EXPECT_GE(points.size(), 50u) << ticks;
    EXPECT_EQ(points.front().minutes, 0) << ticks;
    EXPECT_EQ(points.back().minutes, ticks - 1) << ticks;  // the latest is always drawn
    const double stride = static_cast<double>(history.stride());
    for (std::size_t k = 0; k + 1 < points.size(); ++k) EXPECT_EQ(points[k].minutes, k * stride) << ticks;
  }
}

}  // namespace
}  // namespace symopt
