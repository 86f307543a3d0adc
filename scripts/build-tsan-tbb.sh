#!/usr/bin/env bash
# Builds Debian's own oneTBB source package with -fsanitize=thread into a prefix, for the
# ThreadSanitizer tree: an uninstrumented libtbb hides its scheduler's happens-before edges
# from TSan, so every hand-off through a parallel_for is reported as a race (docs/testing.md).
#   scripts/build-tsan-tbb.sh PREFIX    prints nothing on success but the prefix's CMake
#                                       package directory (pass it as -DTBB_DIR=...)
# The source is the version of the installed libtbb-dev (same headers as the Release tree).
# Reuses PREFIX when it already holds that version. Fetching the source needs root the first
# time on a machine without deb-src entries: the script adds one for the installed suites.
# Exit codes: 1 the build failed, 3 the source package could not be fetched (no deb-src
# entry can be made, or the mirror does not serve it).
set -euo pipefail
mkdir -p "${1:?usage: scripts/build-tsan-tbb.sh PREFIX}"
prefix="$(cd "$1" && pwd)"
package_dir="$prefix/lib/cmake/TBB"
version="$(dpkg-query -W -f='${Version}' libtbb-dev 2>/dev/null || true)"
if [[ -z "$version" ]]; then
  echo "build-tsan-tbb: libtbb-dev is not installed (run scripts/install-deps.sh)" >&2
  exit 1
fi
if [[ -f "$prefix/debian-version" && "$(cat "$prefix/debian-version")" == "$version" \
      && -d "$package_dir" ]]; then
  echo "$package_dir"
  exit 0
fi

work="$prefix/source"
rm -rf "$work" && mkdir -p "$work"
fetch_source() { (cd "$work" && apt-get source -qq "onetbb=$version" >/dev/null 2>&1); }
if ! fetch_source; then
  # No deb-src entry: add ones mirroring the binary entries, from Debian's deb822 file or the
  # one-line sources.list, whichever the machine has.
  if [[ $EUID -ne 0 ]]; then
    echo "build-tsan-tbb: cannot fetch the onetbb=$version source package: apt has no deb-src" \
         "entry and only root can add one" >&2
    exit 3
  fi
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
      > /etc/apt/sources.list.d/symopt-deb-src.sources
  fi
  if [[ -f /etc/apt/sources.list ]]; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/symopt-deb-src.list
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  command -v dpkg-source >/dev/null || apt-get install -y -qq --no-install-recommends dpkg-dev >/dev/null
  if ! fetch_source; then
    echo "build-tsan-tbb: apt-get source onetbb=$version failed: the mirror serves no such source" >&2
    exit 3
  fi
fi
source_tree="$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)"

# Only libtbb: no tests, examples or tbbmalloc (symopt does not use the allocator).
# GCC warns that TSan does not model atomic_thread_fence (-Wtsan, on every file): the build
# log goes to a file and is shown only when the build fails.
log="$prefix/build.log"
if ! { cmake -S "$source_tree" -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
         -DTBB_SANITIZE=thread -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBBMALLOC_BUILD=OFF \
         -DTBB_STRICT=OFF -DCMAKE_INSTALL_PREFIX="$prefix" \
       && cmake --build "$work/build" -j2 && cmake --install "$work/build"; } >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "build-tsan-tbb: building onetbb=$version with -fsanitize=thread failed (log: $log)" >&2
  exit 1
fi
rm -rf "$work"
echo "$version" > "$prefix/debian-version"
echo "$package_dir"
