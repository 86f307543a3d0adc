// Replaces the global operator new with a counting one (see operator_new_counter.h). It
// sees containers, std::function and make_unique; Eigen allocates with malloc directly,
// which test_trainer.cpp's interposer counts instead.
#include "operator_new_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
// Process-wide by necessity: operator new has no context to carry a counter in.
std::atomic<long> new_calls{0};
}  // namespace

void* operator new(std::size_t size) {
  new_calls.fetch_add(1, std::memory_order_relaxed);
  if (void* pointer = std::malloc(size ? size : 1)) return pointer;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
// The nothrow forms too (std::stable_sort's buffer uses them): otherwise a sanitizer's own
// nothrow new would be paired with the free() below (alloc-dealloc mismatch under ASan).
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return ::operator new(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return ::operator new(size, tag); }
void operator delete(void* pointer) noexcept { std::free(pointer); }
void operator delete[](void* pointer) noexcept { std::free(pointer); }
void operator delete(void* pointer, std::size_t) noexcept { std::free(pointer); }
void operator delete[](void* pointer, std::size_t) noexcept { std::free(pointer); }
void operator delete(void* pointer, const std::nothrow_t&) noexcept { std::free(pointer); }
void operator delete[](void* pointer, const std::nothrow_t&) noexcept { std::free(pointer); }

namespace symopt::testing {

long operator_new_count() { return new_calls.load(std::memory_order_relaxed); }

}  // namespace symopt::testing
