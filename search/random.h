// The search's random numbers: a small generator with explicit, serializable state, seeded
// from (seed, stream, index) so that child i of batch b is reproducible at any thread count.
#pragma once

#include <array>
#include <cstdint>

namespace symopt {

// splitmix64: turns any 64-bit value into a well-mixed one (used for seeding and hashing).
std::uint64_t mix64(std::uint64_t value);

// xoshiro256**: fast, small state, and (unlike std:: distributions) gives the same numbers
// with every standard library, which bit-identical results across builds need.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  // An independent stream for (seed, a, b), e.g. (run seed, batch, child).
  static Rng for_stream(std::uint64_t seed, std::uint64_t a, std::uint64_t b);

  std::uint64_t next();
  double uniform();                    // [0, 1)
  double uniform(double low, double high);
  int below(int n);                    // [0, n), n > 0
  bool chance(double probability);
  // Log-uniform in [1 / factor, factor] (factor >= 1).
  double log_uniform_factor(double factor);

 private:
  std::array<std::uint64_t, 4> state_{};
};

}  // namespace symopt
