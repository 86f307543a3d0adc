// Non-blocking point-to-point messages between ranks: sends are posted and completed in
// the background, receives take only what has arrived. Nothing here ever waits without a
// deadline, so a rank that died cannot hang the caller; requests to or from it are
// abandoned.
#pragma once

#include <cstdint>
#include <list>
#include <vector>

namespace symopt::distributed {

struct Envelope {
  int source = -1;
  std::vector<std::uint8_t> bytes;
};

struct TrafficCounts {
  long messages_sent = 0, messages_received = 0;
  long bytes_sent = 0, bytes_received = 0;
  long send_errors = 0, receive_errors = 0;
};

class Mailbox {
 public:
  Mailbox() = default;
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;
  ~Mailbox();  // frees what is still pending (MPI completes or drops it)

  // Posts a send; false when MPI refused it (the destination is gone).
  bool send(int destination, std::vector<std::uint8_t> bytes);
  // Every message that has fully arrived; starts receiving those that are arriving.
  std::vector<Envelope> receive();
  // Completes (and frees) finished sends; returns how many are still pending. Call it
  // often: Open MPI keeps a completed request until it is tested.
  std::size_t complete_sends();
  std::size_t pending_sends_to(int rank);
  // Forgets the sends to and receives from a rank given up as dead.
  void abandon(int rank);
  const TrafficCounts& traffic() const { return traffic_; }

 private:
  struct Pending {
    int peer = -1;
    std::vector<std::uint8_t> bytes;
    void* request = nullptr;  // MPI_Request, kept opaque so that users need no mpi.h
  };
  void release(Pending& pending);
  std::list<Pending> sends_, receives_;
  TrafficCounts traffic_;
};

}  // namespace symopt::distributed
