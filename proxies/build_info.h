// Which copy of the proxies library this process loaded (baseline or a glibc-hwcaps level) and
// what it can do: for `symopt --version`, the benchmarks and the baseline cache's key.
#pragma once

#include <string>

namespace symopt {

// The -march level the loaded proxies were compiled for: "baseline", "x86-64-v3" or "x86-64-v4".
std::string proxies_level();

// One line for people: the level, Eigen's SIMD instruction sets in that copy and its file.
std::string proxies_build_description();

// The FLOP/s of Eigen's own SIZE^3 float32 matrix product on this thread,
// measured for at least MIN_SECONDS inside the proxies library, so that it runs with the same
// instruction set as the proxies it is a yardstick for.
double measure_float_gemm_flops(int size, double min_seconds);

}  // namespace symopt
