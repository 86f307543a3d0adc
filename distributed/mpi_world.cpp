// MPI initialization and the timed barrier.
#include "distributed/mpi_world.h"

#include <mpi.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace symopt::distributed {

bool launched_by_mpi() {
  // Open MPI's mpirun, PMIx launchers (srun --mpi=pmix, prterun) and PMI-1/2 launchers
  // (srun --mpi=pmi2, MPICH's hydra).
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"}) {
    if (std::getenv(variable)) return true;
  }
  return false;
}

std::unique_ptr<MpiWorld> MpiWorld::join_if_launched() {
  if (!launched_by_mpi()) return nullptr;
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) throw std::runtime_error("MPI is already initialized");
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    throw std::runtime_error("MPI_Init_thread failed");
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  return std::unique_ptr<MpiWorld>(new MpiWorld(rank, ranks));
}

MpiWorld::~MpiWorld() {
  const int exit_code = std::uncaught_exceptions() > 0 ? 1 : 0;
  if (finalize_timeout_seconds_ > 0) {
    std::thread([timeout = finalize_timeout_seconds_, exit_code] {
      std::this_thread::sleep_for(std::chrono::duration<double>(timeout));
      std::fflush(nullptr);
      std::_Exit(exit_code);  // MPI_Finalize did not return: a peer died
    }).detach();
  }
  MPI_Finalize();
}

bool MpiWorld::barrier(double timeout_seconds) const {
  MPI_Request request = MPI_REQUEST_NULL;
  if (MPI_Ibarrier(MPI_COMM_WORLD, &request) != MPI_SUCCESS) return false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  for (;;) {
    int done = 0;
    if (MPI_Test(&request, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return false;
    if (done) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;  // the request is abandoned
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace symopt::distributed
