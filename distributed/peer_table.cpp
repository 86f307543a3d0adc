// The peer table.
#include "distributed/peer_table.h"

namespace symopt::distributed {

PeerTable::PeerTable(int self, int ranks, double timeout_seconds, double now)
    : self_(self), timeout_(timeout_seconds), peers_(static_cast<std::size_t>(ranks)) {
  for (int r = 0; r < ranks; ++r) {
    peers_[static_cast<std::size_t>(r)].status.rank = r;
    peers_[static_cast<std::size_t>(r)].last_heard = now;
  }
}

void PeerTable::heard(int rank, double now) {
  const std::lock_guard lock(mutex_);
  if (rank < 0 || rank >= static_cast<int>(peers_.size())) return;
  Peer& p = peers_[static_cast<std::size_t>(rank)];
  p.last_heard = now;
  p.lost = false;
}

void PeerTable::update(const IslandStatus& status, double now) {
  heard(status.rank, now);
  const std::lock_guard lock(mutex_);
  if (status.rank < 0 || status.rank >= static_cast<int>(peers_.size())) return;
  Peer& p = peers_[static_cast<std::size_t>(status.rank)];
  // A final status stays final (a heartbeat sent before it may arrive after it).
  if (p.status.finished && !status.finished) return;
  p.status = status;
}

std::vector<int> PeerTable::newly_lost(double now) {
  const std::lock_guard lock(mutex_);
  std::vector<int> lost;
  for (int r = 0; r < static_cast<int>(peers_.size()); ++r) {
    Peer& p = peers_[static_cast<std::size_t>(r)];
    if (r == self_ || p.lost || p.status.finished || (self_ != 0 && r != 0)) continue;
    if (now - p.last_heard > timeout_) {
      p.lost = true;
      lost.push_back(r);
    }
  }
  return lost;
}

bool PeerTable::lost(int rank) const {
  const std::lock_guard lock(mutex_);
  return peers_.at(static_cast<std::size_t>(rank)).lost;
}

bool PeerTable::finished(int rank) const {
  const std::lock_guard lock(mutex_);
  return peers_.at(static_cast<std::size_t>(rank)).status.finished;
}

bool PeerTable::all_others_done() const { return running_others() == 0; }

std::vector<int> PeerTable::lost_ranks() const {
  const std::lock_guard lock(mutex_);
  std::vector<int> lost;
  for (int r = 0; r < static_cast<int>(peers_.size()); ++r) {
    if (peers_[static_cast<std::size_t>(r)].lost) lost.push_back(r);
  }
  return lost;
}

bool PeerTable::running_other(int rank) const {
  const Peer& p = peers_[static_cast<std::size_t>(rank)];
  return rank != self_ && !p.lost && !p.status.finished;
}

int PeerTable::running_others() const {
  const std::lock_guard lock(mutex_);
  int running = 0;
  for (int r = 0; r < static_cast<int>(peers_.size()); ++r) running += running_other(r) ? 1 : 0;
  return running;
}

SearchCounters PeerTable::others_counters() const {
  const std::lock_guard lock(mutex_);
  SearchCounters sum;
  for (int r = 0; r < static_cast<int>(peers_.size()); ++r) {
    if (r != self_) sum += peers_[static_cast<std::size_t>(r)].status.counters;
  }
  return sum;
}

double PeerTable::others_rate() const {
  const std::lock_guard lock(mutex_);
  double rate = 0;
  for (int r = 0; r < static_cast<int>(peers_.size()); ++r) {
    if (running_other(r)) rate += peers_[static_cast<std::size_t>(r)].status.evaluations_per_second;
  }
  return rate;
}

}  // namespace symopt::distributed
