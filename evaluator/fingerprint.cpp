// Probing a program: run it in float64 on seeded weights and gradients of two shapes, each
// with its own learning rate (so that lr-dependence shows), and hash the rounded updates.
#include "evaluator/fingerprint.h"

#include "dsl/interpreter.h"
#include "proxies/counter_random.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
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
constexpr std::array<Probe, 2> probes = {{{3, 4, 0.0372817}, {1, 5, 0.00291743}}};

// FNV-1a over bytes.
std::uint64_t mix_bytes(std::uint64_t hash, std::string_view bytes) {
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// Adds one tensor of updates to the hash, or returns false when any entry is not finite.
bool hash_updates(const std::vector<double>& updates, std::uint64_t& hash) {
  double largest = 0;
  for (double u : updates) {
    if (!std::isfinite(u)) return false;
    largest = std::max(largest, std::fabs(u));
  }
  for (double u : updates) {
    const double kept = std::fabs(u) < 1e-9 * largest ? 0.0 : u;
    // fmt prints 0 and -0 differently; either is "no update".
    const std::string text = kept == 0 ? std::string("0") : fmt::format("{:.{}e}", kept, fingerprint_digits - 1);
    hash = mix_bytes(hash, text);
    hash = mix_bytes(hash, ",");
  }
  return true;
}

}  // namespace

std::uint64_t behavioural_fingerprint(const AnalyzedProgram& program) {
  const auto compiled = std::make_shared<const CompiledProgram>(compile_program(program));
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (std::size_t p = 0; p < probes.size(); ++p) {
    const Probe& probe = probes[p];
    const long size = static_cast<long>(probe.rows) * probe.cols;
    ProgramOptimizer<double> optimizer(compiled, probe.rows, probe.cols);
    const CounterRandom random(probe_seed, p);
    std::vector<double> weights(size), gradient(size), updates(size);
    for (long i = 0; i < size; ++i) weights[i] = 0.5 * random.gaussian(static_cast<std::uint64_t>(i));
    for (int step = 0; step < probe_steps; ++step) {
      for (long i = 0; i < size; ++i) {
        gradient[i] = gradient_scales[step] * random.gaussian(static_cast<std::uint64_t>((step + 1) * size + i));
      }
      std::copy(weights.begin(), weights.end(), updates.begin());
      optimizer.step(weights, gradient, probe.learning_rate, step + 1);
      for (long i = 0; i < size; ++i) updates[i] -= weights[i];
      if (!hash_updates(updates, hash)) return diverging_fingerprint;
    }
  }
  return hash == diverging_fingerprint ? hash + 1 : hash;
}

}  // namespace symopt
