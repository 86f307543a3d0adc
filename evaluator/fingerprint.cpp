// Probing a program: run it in float64 on seeded weights and gradients of three shapes, each
// with its own learning rate (so that lr-dependence shows), and hash the rounded updates.
#include "evaluator/fingerprint.h"

#include "dsl/interpreter.h"
#include "proxies/counter_random.h"


#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string_view>
#include <utility>
#include <memory>
#include <vector>

namespace symopt {
namespace {

constexpr std::uint64_t probe_seed = 0x5eed'f1a9'e7a1'0b01ULL;
constexpr int probe_steps = 6;
// Gradient magnitudes vary from step to step so that normalizing and non-normalizing
// programs part ways; the rates are unremarkable numbers no search constant will hit.
constexpr std::array<double, probe_steps> gradient_scales = {1.0, 0.31, 2.7, 0.052, 1.3, 0.6};

struct Probe {
  int rows, cols;
  double learning_rate;
};
// Two small shapes (rectangular and a vector) and a large one: a sign-based rule (Lion) whose
// beta1 changes by 0.001 flips the sign of only a few entries' updates, at the entries where
// momentum and gradient nearly cancel; thousands of entries make such a flip near certain.
constexpr std::array<Probe, 3> probes = {{{3, 4, 0.0372817}, {1, 5, 0.00291743}, {64, 48, 0.0137109}}};
constexpr std::size_t large_probe = 2;
constexpr long zero_gradient_rows = 2;

// FNV-1a over bytes.
std::uint64_t mix_bytes(std::uint64_t hash, std::string_view bytes) {
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

template <class Integer>
std::uint64_t mix_integer(std::uint64_t hash, Integer value) {
  char bytes[sizeof(Integer)];
  std::memcpy(bytes, &value, sizeof(Integer));
  return mix_bytes(hash, std::string_view(bytes, sizeof(Integer)));
}

// u != 0 rounded to fingerprint_bits significant bits, as (binary exponent, integer
// mantissa). Bit operations (frexp, ldexp), not decimal formatting: the large probe has
// thousands of entries, and printing them was most of a fingerprint's cost.
std::pair<int, long long> rounded(double u) {
  int exponent = 0;
  const double fraction = std::frexp(u, &exponent);  // |fraction| in [0.5, 1)
  long long mantissa = std::llround(std::ldexp(fraction, fingerprint_bits));
  if (mantissa == (1LL << fingerprint_bits) || mantissa == -(1LL << fingerprint_bits)) {
    mantissa /= 2;  // rounded up to the next power of two
    ++exponent;
  }
  return {exponent, mantissa};
}

// Adds one tensor of updates to the hash, or returns false when any entry is not finite.
bool hash_updates(const std::vector<double>& updates, std::uint64_t& hash) {
  double largest = 0;
  for (double u : updates) {
    if (!std::isfinite(u)) return false;
    largest = std::max(largest, std::fabs(u));
  }
  for (double u : updates) {
    // 0 and -0 alike are "no update".
    if (u == 0 || std::fabs(u) < 1e-9 * largest) {
      hash = mix_integer(hash, std::int64_t{0});
      continue;
    }
    const auto [exponent, mantissa] = rounded(u);
    hash = mix_integer(hash, static_cast<std::int64_t>(mantissa));
    hash = mix_integer(hash, static_cast<std::int32_t>(exponent));
  }
  return true;
}

// The probe's initial weights and per-step gradients, one entry per probe shape. Drawn once
// per process (immutable afterwards): generating them cost as much as running a program.
struct ProbeInputs {
  std::vector<double> weights;
  std::vector<std::vector<double>> gradients;  // one per step
};

const std::vector<ProbeInputs>& probe_inputs() {
  static const std::vector<ProbeInputs> inputs = [] {
    std::vector<ProbeInputs> all;
    for (std::size_t p = 0; p < probes.size(); ++p) {
      const long size = static_cast<long>(probes[p].rows) * probes[p].cols;
      const CounterRandom random(probe_seed, p);
      ProbeInputs probe;
      probe.weights.resize(size);
      for (long i = 0; i < size; ++i) probe.weights[i] = 0.5 * random.gaussian(static_cast<std::uint64_t>(i));
      for (int step = 0; step < probe_steps; ++step) {
        std::vector<double> gradient(size);
        for (long i = 0; i < size; ++i) {
          gradient[i] = gradient_scales[step] * random.gaussian(static_cast<std::uint64_t>((step + 1) * size + i));
        }
        if (p == large_probe) {
          // Rows with no gradient and rows with a vanishing one, as the embeddings of tokens a
          // batch did not contain: sign(m) and clip(1e8 * m + 0.01 * w, lr) agree everywhere
          // else, and a search run shared one cache entry between them (their losses differ
          // by 1%, through the decay the second one applies to such rows).
          for (long i = 0; i < zero_gradient_rows * probes[p].cols; ++i) gradient[i] = 0;
          for (long i = zero_gradient_rows * probes[p].cols; i < 2 * zero_gradient_rows * probes[p].cols; ++i) {
            gradient[i] *= 1e-13;
          }
        }
        probe.gradients.push_back(std::move(gradient));
      }
      all.push_back(std::move(probe));
    }
    return all;
  }();
  return inputs;
}

}  // namespace

std::uint64_t behavioural_fingerprint(const AnalyzedProgram& program) {
  const auto compiled = std::make_shared<const CompiledProgram>(compile_program(program));
  const std::vector<ProbeInputs>& inputs = probe_inputs();
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (std::size_t p = 0; p < probes.size(); ++p) {
    const Probe& probe = probes[p];
    ProgramOptimizer<double> optimizer(compiled, probe.rows, probe.cols);
    std::vector<double> weights = inputs[p].weights, updates(weights.size());
    for (int step = 0; step < probe_steps; ++step) {
      std::copy(weights.begin(), weights.end(), updates.begin());
      optimizer.step(weights, inputs[p].gradients[step], probe.learning_rate, step + 1);
      for (std::size_t i = 0; i < weights.size(); ++i) updates[i] -= weights[i];
      if (!hash_updates(updates, hash)) return diverging_fingerprint;
    }
  }
  return hash == diverging_fingerprint ? hash + 1 : hash;
}

}  // namespace symopt
