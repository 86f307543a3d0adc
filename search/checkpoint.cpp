// Checkpoint wrapping and verification. The checksum covers the compact dump of the payload,
// which nlohmann::json reproduces exactly after a parse (sorted keys, shortest round-trip
// numbers), so verification needs no second copy of the text.
#include "search/checkpoint.h"

#include "common/atomic_file.h"
#include "common/input_error.h"

#include <fmt/format.h>

namespace symopt {

std::string checksum_of(const std::string& text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", hash);
}

std::string checkpoint_text(const SearchState& state, const nlohmann::json& extra) {
  // Built by moving the parts in (an initializer list would copy the whole state twice).
  nlohmann::json payload = nlohmann::json::object();
  payload["state"] = search_state_to_json(state);
  payload["run_directory"] = extra;
  nlohmann::json document = {{"format", checkpoint_format},
                             {"format_version", checkpoint_format_version},
                             {"checksum", checksum_of(payload.dump())}};
  document["payload"] = std::move(payload);
  return document.dump() + "\n";
}

LoadedCheckpoint parse_checkpoint(const std::string& text, const std::string& source) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    throw InputError(fmt::format("{}: not a readable checkpoint (truncated or corrupt JSON: {})", source, error.what()));
  }
  if (!document.is_object() || !document.contains("format") || document["format"] != checkpoint_format) {
    throw InputError(fmt::format("{}: not a symopt search checkpoint (expected \"format\": \"{}\")", source,
                                 checkpoint_format));
  }
  if (!document.contains("format_version") || document["format_version"] != checkpoint_format_version) {
    throw InputError(fmt::format("{}: checkpoint format version {} is not supported (this symopt reads version {})",
                                 source, document.value("format_version", nlohmann::json()).dump(),
                                 checkpoint_format_version));
  }
  if (!document.contains("payload") || !document.contains("checksum") || !document["checksum"].is_string()) {
    throw InputError(fmt::format("{}: checkpoint lacks its payload or checksum", source));
  }
  const std::string expected = document["checksum"].get<std::string>();
  const std::string actual = checksum_of(document["payload"].dump());
  if (expected != actual) {
    throw InputError(fmt::format("{}: checkpoint is corrupt (checksum {} expected, {} computed)", source, expected, actual));
  }
  const nlohmann::json& payload = document["payload"];
  if (!payload.is_object() || !payload.contains("state")) {
    throw InputError(fmt::format("{}: checkpoint payload lacks the search state", source));
  }
  try {
    return {search_state_from_json(payload["state"]), payload.value("run_directory", nlohmann::json::object())};
  } catch (const std::runtime_error& error) {
    throw InputError(fmt::format("{}: checkpoint state is invalid: {}", source, error.what()));
  }
}

LoadedCheckpoint read_checkpoint(const std::filesystem::path& path) {
  return parse_checkpoint(read_whole_file(path), path.string());
}

}  // namespace symopt
