// A map with a size bound that forgets its least recently used entry when full (the fitness
// cache's storage). Not thread-safe: the owner locks. Which entry goes depends only on the
// order of the calls, so a caller that calls in a fixed order evicts in a fixed order.
#pragma once

#include <cstddef>
#include <list>
#include <unordered_map>
#include <utility>

namespace symopt {

template <class Key, class Value>
class LruMap {
 public:
  // capacity 0: no bound.
  explicit LruMap(std::size_t capacity) : capacity_(capacity) {}

  // The value, marked as most recently used; nullptr when absent.
  const Value* find(const Key& key) {
    const auto found = index_.find(key);
    if (found == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, found->second);
    return &found->second->second;
  }

  // Adds the entry unless the key is present (then the old value stays and is marked as most
  // recently used). Returns how many entries were evicted to make room (0 or 1).
  std::size_t emplace(const Key& key, Value value) {
    if (find(key)) return 0;
    entries_.emplace_front(key, std::move(value));
    index_.emplace(key, entries_.begin());
    if (capacity_ == 0 || entries_.size() <= capacity_) return 0;
    index_.erase(entries_.back().first);
    entries_.pop_back();
    return 1;
  }

  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  using Entries = std::list<std::pair<Key, Value>>;  // most recently used first
  std::size_t capacity_;
  Entries entries_;
  std::unordered_map<Key, typename Entries::iterator> index_;
};

}  // namespace symopt
