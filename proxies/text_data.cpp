// Reads the text file, builds its byte vocabulary and makes the fixed prefix/suffix split.
#include "proxies/text_data.h"

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace symopt {
namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw std::runtime_error(fmt::format("text data file '{}': {}", file.string(), what));
}

}  // namespace

std::shared_ptr<const TextCorpus> load_text_corpus(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) fail(file, "file does not exist");
  std::ifstream stream(file, std::ios::binary);
  if (!stream) fail(file, "cannot open file");
  const std::string text{std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
  if (stream.bad()) fail(file, "read error");
  if (text.size() < TextCorpus::minimum_bytes) {
    fail(file, fmt::format("expected at least {} bytes of text, found {}", TextCorpus::minimum_bytes,
                           text.size()));
  }
  const auto zero = text.find('\0');
  if (zero != std::string::npos) fail(file, fmt::format("byte {} is NUL: not a text file", zero));

  std::array<int, 256> id_of_byte{};
  id_of_byte.fill(-1);
  for (const char c : text) id_of_byte[static_cast<unsigned char>(c)] = 0;
  auto corpus = std::make_shared<TextCorpus>();
  for (int byte = 0; byte < 256; ++byte) {
    if (id_of_byte[byte] < 0) continue;
    id_of_byte[byte] = corpus->vocabulary_size();
    corpus->vocabulary.push_back(static_cast<char>(byte));
  }
  const auto train_bytes =
      static_cast<std::size_t>(static_cast<double>(text.size()) * (1.0 - TextCorpus::validation_fraction));
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int id = id_of_byte[static_cast<unsigned char>(text[i])];
    (i < train_bytes ? corpus->train_tokens : corpus->validation_tokens).push_back(id);
  }
  return corpus;
}

void check_text_fits_context(const TextCorpus& text, int context, const std::string& task) {
  if (static_cast<long>(text.validation_tokens.size()) <= context || static_cast<long>(text.train_tokens.size()) <= context) {
    throw std::runtime_error(fmt::format("{}: text too short for a context of {}", task, context));
  }
}

}  // namespace symopt
