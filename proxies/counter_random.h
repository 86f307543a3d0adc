// Counter-based random numbers: every draw is a pure function of (key, counter), so a
// minibatch or a noise sample depends only on (seed, step, index), never on call order.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

namespace symopt {

// The splitmix64 finalizer: a bijective 64-bit mix with good avalanche.
inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A stream of independent random values addressed by a counter. Streams made from different
// (seed, stream) pairs are unrelated.
class CounterRandom {
 public:
  CounterRandom(std::uint64_t seed, std::uint64_t stream)
      : key_(splitmix64(splitmix64(seed) ^ (stream * 0xd1b54a32d192ed03ULL + 1))) {}

  std::uint64_t bits(std::uint64_t counter) const { return splitmix64(key_ + splitmix64(counter)); }

  // Uniform in [0, n) (multiply-shift, bias below 2^-32 for the sizes used here).
  int index_below(std::uint64_t counter, int n) const {
    const auto high = bits(counter) >> 32;
    return static_cast<int>((high * static_cast<std::uint64_t>(n)) >> 32);
  }

  // Uniform in the open interval (0, 1).
  double uniform(std::uint64_t counter) const {
    return (static_cast<double>(bits(counter) >> 11) + 0.5) * 0x1.0p-53;
  }

  // Standard normal (Box-Muller on two decorrelated uniforms).
  double gaussian(std::uint64_t counter) const {
    const double radius = std::sqrt(-2.0 * std::log(uniform(2 * counter)));
    return radius * std::cos(2.0 * std::numbers::pi * uniform(2 * counter + 1));
  }

 private:
  std::uint64_t key_;
};

}  // namespace symopt
