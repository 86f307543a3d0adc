// The checkpoint file: the search state wrapped with a format tag, a format version and a
// checksum, so that a truncated, corrupted or foreign file is refused with a clear message.
#pragma once

#include "search/search_state.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace symopt {

inline constexpr int checkpoint_format_version = 1;
inline constexpr const char* checkpoint_format = "symopt-search-checkpoint";

// The file's text. `extra` carries the run directory's own fields (e.g. the log length).
std::string checkpoint_text(const SearchState& state, const nlohmann::json& extra);

struct LoadedCheckpoint {
  SearchState state;
  nlohmann::json extra;
};

// Throws InputError naming the file and what is wrong: unreadable, not JSON (truncated),
// not a checkpoint, another format version, checksum mismatch, or an invalid state.
LoadedCheckpoint read_checkpoint(const std::filesystem::path& path);
LoadedCheckpoint parse_checkpoint(const std::string& text, const std::string& source);

// FNV-1a 64 of the text, as 16 hex digits.
std::string checksum_of(const std::string& text);

}  // namespace symopt
