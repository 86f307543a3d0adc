// xoshiro256** and splitmix64 (Blackman and Vigna), with portable distributions.
#include "search/random.h"

#include <bit>
#include <cmath>

namespace symopt {

std::uint64_t mix64(std::uint64_t value) {
  std::uint64_t z = value + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Rng::Rng(std::uint64_t seed) {
  std::uint64_t s = seed;
  for (std::uint64_t& word : state_) {
    s = mix64(s);
    word = s;
  }
  if ((state_[0] | state_[1] | state_[2] | state_[3]) == 0) state_[0] = 1;  // all-zero is a fixed point
}

Rng Rng::for_stream(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
  return Rng(mix64(mix64(mix64(seed) ^ a) ^ (b * 0xd1342543de82ef95ULL)));
}

std::uint64_t Rng::next() {
  const std::uint64_t result = std::rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = std::rotl(state_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::uniform(double low, double high) { return low + (high - low) * uniform(); }

int Rng::below(int n) {
  // Lemire's multiply-shift; the tiny bias for n << 2^64 does not matter here.
  return static_cast<int>((static_cast<unsigned __int128>(next()) * static_cast<unsigned>(n)) >> 64);
}

bool Rng::chance(double probability) { return uniform() < probability; }

double Rng::log_uniform_factor(double factor) {
  const double span = std::log(factor);
  return std::exp(uniform(-span, span));
}

}  // namespace symopt
