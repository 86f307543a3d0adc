// What one rank knows about the others: their latest status, when each was last heard
// from, and which are finished or given up as dead (silent for longer than the timeout).
// Thread-safe: the communication thread writes it, the search thread reads the sums.
#pragma once

#include "distributed/island_message.h"

#include <mutex>
#include <vector>

namespace symopt::distributed {

class PeerTable {
 public:
  // Every rank counts as heard from at `now` (the start): one that never speaks is lost
  // `timeout_seconds` later.
  PeerTable(int self, int ranks, double timeout_seconds, double now);

  // A message arrived from `rank` (a lost rank that speaks again is alive again).
  void heard(int rank, double now);
  void update(const IslandStatus& status, double now);
  // Ranks whose silence just passed the timeout (each reported once until heard again).
  // Rank 0 watches every rank; the others only rank 0, the one rank that sends to them
  // regularly (heartbeats go through rank 0; migrations between the others may come
  // minutes apart, and a finished rank tells only rank 0).
  std::vector<int> newly_lost(double now);

  bool lost(int rank) const;
  bool finished(int rank) const;
  // Every other rank has finished or is lost.
  bool all_others_done() const;
  std::vector<int> lost_ranks() const;
  int running_others() const;       // neither finished nor lost

  // Sums over the other ranks' latest statuses (lost ranks' last counts included: their
  // work happened); the rate counts only ranks still running.
  SearchCounters others_counters() const;
  double others_rate() const;

 private:
  struct Peer {
    IslandStatus status;
    double last_heard = 0;
    bool lost = false;
  };
  bool running_other(int rank) const;  // not self, neither finished nor lost; mutex_ held

  int self_;
  double timeout_;
  mutable std::mutex mutex_;
  std::vector<Peer> peers_;
};

}  // namespace symopt::distributed
