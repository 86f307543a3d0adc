// English text for the character-level language models: the bytes of a file as token ids,
// split once into a training prefix and a validation suffix.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace symopt {

struct TextCorpus {
  static constexpr double validation_fraction = 0.1;
  static constexpr std::size_t minimum_bytes = 4096;
  std::string vocabulary;              // the distinct bytes of the file, sorted; id = position
  std::vector<int> train_tokens;       // the first 90% of the file
  std::vector<int> validation_tokens;  // the last 10%
  int vocabulary_size() const { return static_cast<int>(vocabulary.size()); }
};

// Throws std::runtime_error naming the file when it is missing, unreadable or too short.
std::shared_ptr<const TextCorpus> load_text_corpus(const std::filesystem::path& file);

// Throws std::runtime_error (naming `task`) unless both parts of the text are longer than
// `context`: the language models read `context` tokens before each one they predict.
void check_text_fits_context(const TextCorpus& text, int context, const std::string& task);

}  // namespace symopt
