// Counts heap allocations by interposing glibc's malloc, calloc and realloc, which sees
// Eigen's and operator new's allocations alike. Defines those functions: include it in
// exactly one file of a test executable.
#pragma once

#include "sanitizer_build.h"

#include <atomic>
#include <cstddef>

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* pointer, std::size_t size);
}

namespace {
// Process-wide by necessity: malloc has no context to carry a counter in.
std::atomic<long> allocation_count{0};
}  // namespace

#ifndef SYMOPT_SANITIZER_BUILD  // a sanitizer replaces malloc itself; __libc_malloc would bypass it
extern "C" void* malloc(std::size_t size) {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
extern "C" void* calloc(std::size_t count, std::size_t size) {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(count, size);
}
extern "C" void* realloc(void* pointer, std::size_t size) {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(pointer, size);
}
#endif
