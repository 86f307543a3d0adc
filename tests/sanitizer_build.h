// Whether this test executable is built with AddressSanitizer or ThreadSanitizer
// (-DSYMOPT_SANITIZE, scripts/run-tests.sh). Those own malloc, so the tests that count heap
// allocations by interposing malloc cannot run there; they skip with a reason instead.
#pragma once

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SYMOPT_SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SYMOPT_SANITIZER_BUILD 1
#endif
#endif

#ifdef SYMOPT_SANITIZER_BUILD
#define SYMOPT_SKIP_UNDER_SANITIZERS() GTEST_SKIP() << "the sanitizer owns malloc in this build"
#else
#define SYMOPT_SKIP_UNDER_SANITIZERS() static_cast<void>(0)
#endif
