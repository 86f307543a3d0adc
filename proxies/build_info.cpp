// Which proxies copy is loaded, found from this very function's address.
#include "proxies/build_info.h"

#include <fmt/format.h>

#include <Eigen/Core>

#include <dlfcn.h>

#include <chrono>

#ifndef SYMOPT_PROXIES_LEVEL
#define SYMOPT_PROXIES_LEVEL "baseline"
#endif

namespace symopt {

std::string proxies_level() { return SYMOPT_PROXIES_LEVEL; }

std::string proxies_build_description() {
  Dl_info info{};
  const bool found = dladdr(reinterpret_cast<void*>(&proxies_build_description), &info) != 0 &&
                     info.dli_fname != nullptr;
  return fmt::format("proxies {} (Eigen SIMD: {}) from {}", proxies_level(), Eigen::SimdInstructionSetsInUse(),
                     found ? info.dli_fname : "an unknown file");
}

double measure_float_gemm_flops(int size, double min_seconds) {
  using Clock = std::chrono::steady_clock;
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Matrix a = Matrix::Random(size, size), b = Matrix::Random(size, size);
  Matrix c(size, size);
  c.noalias() = a * b;  // warm-up: caches, page faults, CPU clock
  int repetitions = 0;
  const auto start = Clock::now();
  double seconds = 0;
  while (repetitions < 3 || seconds < min_seconds) {
    c.noalias() = a * b;
    ++repetitions;
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return 2.0 * size * size * size * repetitions / seconds;
}

}  // namespace symopt
