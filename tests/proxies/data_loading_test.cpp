// Data files: the real ones load with the documented split; missing, truncated or malformed
// ones give a std::runtime_error naming the file and what is wrong with it.
#include "model_test_support.h"
#include "proxies/digits_data.h"
#include "proxies/text_data.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <iterator>

namespace symopt {
namespace {

using testing::ScratchDirectory;

std::string read_bytes(const std::filesystem::path& file) {
  std::ifstream stream(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}

void write_gzip(const std::filesystem::path& file, const std::string& text) {
  gzFile handle = gzopen(file.string().c_str(), "wb");
  ASSERT_NE(handle, nullptr);
  ASSERT_EQ(gzwrite(handle, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  gzclose(handle);
}

// Loading `task` from `directory` throws a message containing every one of `fragments`.
void expect_load_error(const std::string& task, const std::filesystem::path& directory,
                       const std::vector<std::string>& fragments) {
  try {
    load_task(task, Rung::tiny, directory);
    FAIL() << "expected loading " << task << " to throw";
  } catch (const std::runtime_error& error) {
    const std::string message = error.what();
    for (const auto& fragment : fragments) EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
}

std::string digits_row(int pixel_value, const std::string& label) {
  std::string row;
  for (int i = 0; i < DigitsData::pixel_count; ++i) row += std::to_string(pixel_value) + ",";
  return row + label + "\n";
}

TEST(DigitsData, RealFileLoadsWithTheFixedSplit) {
  const auto data = load_digits(default_data_dir() / "digits.csv.gz");
  EXPECT_EQ(data->validation_images.rows(), DigitsData::validation_rows);
  EXPECT_EQ(data->train_images.rows() + data->validation_images.rows(), 1797);
  EXPECT_EQ(static_cast<long>(data->train_labels.size()), data->train_images.rows());
  EXPECT_GE(data->train_images.minCoeff(), 0.0);
  EXPECT_LE(data->train_images.maxCoeff(), 1.0);
  std::vector<int> counts(DigitsData::class_count);
  for (int label : data->validation_labels) ++counts[label];
  for (int count : counts) EXPECT_GT(count, 10);  // the shuffle mixes the classes
  EXPECT_EQ(load_digits(default_data_dir() / "digits.csv.gz")->validation_labels, data->validation_labels);
}

TEST(TextData, RealFileLoadsWithTheFixedSplit) {
  const auto text = load_text_corpus(default_data_dir() / "english_fortunes.txt");
  const std::string raw = read_bytes(default_data_dir() / "english_fortunes.txt");
  EXPECT_EQ(text->train_tokens.size() + text->validation_tokens.size(), raw.size());
  EXPECT_NEAR(static_cast<double>(text->validation_tokens.size()) / raw.size(), 0.1, 1e-3);
  EXPECT_GT(text->vocabulary_size(), 60);
  EXPECT_LE(text->vocabulary_size(), 256);
  // Decoding the ids gives the file back.
  std::string decoded;
  for (int id : text->train_tokens) decoded += text->vocabulary[static_cast<std::size_t>(id)];
  for (int id : text->validation_tokens) decoded += text->vocabulary[static_cast<std::size_t>(id)];
  EXPECT_EQ(decoded, raw);
}

TEST(DataErrors, MissingFilesAreNamed) {
  const ScratchDirectory directory;
  expect_load_error("mlp-digits", directory.path(), {(directory.path() / "digits.csv.gz").string(), "does not exist"});
  expect_load_error("logreg-digits", directory.path(), {"digits.csv.gz", "does not exist"});
  expect_load_error("char-mlp-lm", directory.path(),
                    {(directory.path() / "english_fortunes.txt").string(), "does not exist"});
  expect_load_error("transformer-lm", directory.path(), {"english_fortunes.txt", "does not exist"});
}

TEST(DataErrors, TruncatedGzipIsReported) {
  const ScratchDirectory directory;
  const std::string bytes = read_bytes(default_data_dir() / "digits.csv.gz");
  write_bytes(directory.path() / "digits.csv.gz", bytes.substr(0, bytes.size() / 2));
  expect_load_error("mlp-digits", directory.path(), {"digits.csv.gz", "truncated"});
}

TEST(DataErrors, BadPixelValueNamesRowAndColumn) {
  const ScratchDirectory directory;
  std::string csv;
  for (int row = 0; row < 700; ++row) csv += digits_row(row % 17, std::to_string(row % 10));
  std::string bad = digits_row(3, "4");
  bad.replace(bad.find("3,3,3,3,3"), 9, "3,3,3,3,x");  // column 5 of row 3
  const std::size_t third_row = csv.find('\n', csv.find('\n') + 1) + 1;
  csv.replace(third_row, csv.find('\n', third_row) + 1 - third_row, bad);
  write_gzip(directory.path() / "digits.csv.gz", csv);
  expect_load_error("mlp-digits", directory.path(), {"digits.csv.gz", "row 3, column 5", "'x'"});
}

TEST(DataErrors, OutOfRangeLabelAndWrongColumnCountAreReported) {
  const ScratchDirectory directory;
  std::string csv;
  for (int row = 0; row < 700; ++row) csv += digits_row(1, row == 10 ? "10" : "2");
  write_gzip(directory.path() / "digits.csv.gz", csv);
  expect_load_error("mlp-digits", directory.path(), {"row 11, column 65", "label"});

  csv = digits_row(1, "2") + "1,2,3\n";
  write_gzip(directory.path() / "digits.csv.gz", csv);
  expect_load_error("mlp-digits", directory.path(), {"row 2", "expected 65 columns, found 3"});
}

TEST(DataErrors, TooFewRowsAreReported) {
  const ScratchDirectory directory;
  write_gzip(directory.path() / "digits.csv.gz", digits_row(1, "2") + digits_row(3, "4"));
  expect_load_error("mlp-digits", directory.path(), {"digits.csv.gz", "at least", "found 2"});
}

TEST(DataErrors, ShortOrBinaryTextIsReported) {
  const ScratchDirectory directory;
  write_bytes(directory.path() / "english_fortunes.txt", "too short");
  expect_load_error("char-mlp-lm", directory.path(), {"english_fortunes.txt", "at least"});
  write_bytes(directory.path() / "english_fortunes.txt", std::string(5000, 'a') + std::string(1, '\0'));
  expect_load_error("transformer-lm", directory.path(), {"english_fortunes.txt", "NUL"});
}

}  // namespace
}  // namespace symopt
