// The behavioural fingerprint of a program: the updates it makes on fixed, seeded probe
// gradients for a few steps (float64, three probe shapes), rounded and hashed. Functionally
// equivalent programs (renamed, reordered, x * 2 vs x + x) get the same fingerprint.
#pragma once

#include "dsl/analyzer.h"

#include <cstdint>

namespace symopt {

// Every program that produces a non-finite value on the probe gets this one fingerprint.
inline constexpr std::uint64_t diverging_fingerprint = 0xd1e5d1e5d1e5d1e5ULL;

// Significant bits kept of each update entry (20 bits: about 6 decimal digits); entries
// below 1e-9 of their tensor's largest update are taken as 0 (rounding residue of reordered
// arithmetic, not behaviour).
inline constexpr int fingerprint_bits = 20;

std::uint64_t behavioural_fingerprint(const AnalyzedProgram& program);

}  // namespace symopt
