// The mailbox on MPI_COMM_WORLD with one tag; matched probes (MPI_Improbe/MPI_Imrecv) take
// a message whose size is known without racing other receives.
#include "distributed/mailbox.h"

#include <mpi.h>

#include <climits>

namespace symopt::distributed {
namespace {

constexpr int island_tag = 6106;

MPI_Request* request_of(void* request) { return static_cast<MPI_Request*>(request); }

}  // namespace

Mailbox::~Mailbox() {
  for (Pending& p : sends_) release(p);
  for (Pending& p : receives_) release(p);
}

void Mailbox::release(Pending& pending) {
  if (!pending.request) return;
  MPI_Request* request = request_of(pending.request);
  if (*request != MPI_REQUEST_NULL) {
    // A receive cannot be freed safely while its buffer may still be written; keep the
    // buffer alive by leaking it with the request (only at exit or for a dead peer).
    MPI_Request_free(request);
    new std::vector<std::uint8_t>(std::move(pending.bytes));
  }
  delete request;
  pending.request = nullptr;
}

bool Mailbox::send(int destination, std::vector<std::uint8_t> bytes) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return false;
  sends_.push_back({destination, std::move(bytes), new MPI_Request(MPI_REQUEST_NULL)});
  Pending& p = sends_.back();
  if (MPI_Isend(p.bytes.data(), static_cast<int>(p.bytes.size()), MPI_BYTE, destination, island_tag, MPI_COMM_WORLD,
                request_of(p.request)) != MPI_SUCCESS) {
    ++traffic_.send_errors;
    delete request_of(p.request);
    sends_.pop_back();
    return false;
  }
  ++traffic_.messages_sent;
  traffic_.bytes_sent += static_cast<long>(p.bytes.size());
  return true;
}

std::vector<Envelope> Mailbox::receive() {
  for (;;) {
    int found = 0;
    MPI_Message message = MPI_MESSAGE_NULL;
    MPI_Status status;
    if (MPI_Improbe(MPI_ANY_SOURCE, island_tag, MPI_COMM_WORLD, &found, &message, &status) != MPI_SUCCESS) {
      ++traffic_.receive_errors;
      break;
    }
    if (!found) break;
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    receives_.push_back({status.MPI_SOURCE, std::vector<std::uint8_t>(static_cast<std::size_t>(count)),
                         new MPI_Request(MPI_REQUEST_NULL)});
    Pending& p = receives_.back();
    if (MPI_Imrecv(p.bytes.data(), count, MPI_BYTE, &message, request_of(p.request)) != MPI_SUCCESS) {
      ++traffic_.receive_errors;
      delete request_of(p.request);
      receives_.pop_back();
    }
  }
  std::vector<Envelope> arrived;
  for (auto it = receives_.begin(); it != receives_.end();) {
    int done = 0;
    const int code = MPI_Test(request_of(it->request), &done, MPI_STATUS_IGNORE);
    if (code != MPI_SUCCESS) {
      ++traffic_.receive_errors;
      delete request_of(it->request);
      it = receives_.erase(it);
    } else if (done) {
      ++traffic_.messages_received;
      traffic_.bytes_received += static_cast<long>(it->bytes.size());
      arrived.push_back({it->peer, std::move(it->bytes)});
      delete request_of(it->request);
      it = receives_.erase(it);
    } else {
      ++it;
    }
  }
  return arrived;
}

std::size_t Mailbox::complete_sends() {
  for (auto it = sends_.begin(); it != sends_.end();) {
    int done = 0;
    const int code = MPI_Test(request_of(it->request), &done, MPI_STATUS_IGNORE);
    if (code != MPI_SUCCESS) ++traffic_.send_errors;
    if (code != MPI_SUCCESS || done) {
      delete request_of(it->request);
      it = sends_.erase(it);
    } else {
      ++it;
    }
  }
  return sends_.size();
}

std::size_t Mailbox::pending_sends_to(int rank) {
  complete_sends();
  std::size_t count = 0;
  for (const Pending& p : sends_) count += p.peer == rank ? 1 : 0;
  return count;
}

void Mailbox::abandon(int rank) {
  for (auto* list : {&sends_, &receives_}) {
    for (auto it = list->begin(); it != list->end();) {
      if (it->peer == rank) {
        release(*it);
        it = list->erase(it);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace symopt::distributed
