// The MPI session of one symopt process: initialized only when an MPI launcher (mpirun,
// srun) started the process, so that a plain `symopt search` never touches MPI. Errors
// are returned rather than fatal (MPI_ERRORS_RETURN): a dead peer must not abort the rest.
#pragma once

#include <memory>

namespace symopt::distributed {

class MpiWorld {
 public:
  // MPI_Init_thread (only the calling thread will use MPI) when the environment shows an
  // MPI launcher; null otherwise. Throws std::runtime_error when initialization fails.
  static std::unique_ptr<MpiWorld> join_if_launched();
  // MPI_Finalize. Open MPI's finalize waits for every rank, and after a rank has died it
  // can wait forever: with a finalize timeout set (do so when a rank was given up), the
  // process then ends anyway (exit code 0, or 1 when an exception is on its way out).
  ~MpiWorld();
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  int rank() const { return rank_; }
  int ranks() const { return ranks_; }
  // A barrier that gives up after `timeout_seconds` (a rank that failed to start must not
  // hang the others); false on timeout.
  bool barrier(double timeout_seconds) const;
  void set_finalize_timeout(double seconds) { finalize_timeout_seconds_ = seconds; }

 private:
  MpiWorld(int rank, int ranks) : rank_(rank), ranks_(ranks) {}
  int rank_ = 0;
  int ranks_ = 1;
  double finalize_timeout_seconds_ = 0;  // 0: wait as long as finalize takes
};

// Whether the environment shows that an MPI launcher started this process.
bool launched_by_mpi();

}  // namespace symopt::distributed
