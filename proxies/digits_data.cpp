// Reads digits.csv.gz with zlib, validates every field, and makes the fixed split.
#include "proxies/digits_data.h"

#include "proxies/counter_random.h"

#include <fmt/format.h>
#include <zlib.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <numeric>
#include <stdexcept>
#include <string>
#include <string_view>

namespace symopt {
namespace {

// The split must not depend on any run's seed: every program is validated on the same rows.
constexpr std::uint64_t split_seed = 0x5eed'd161'75ULL;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw std::runtime_error(fmt::format("digits data file '{}': {}", file.string(), what));
}

std::string read_gzip(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) fail(file, "file does not exist");
  {
    // zlib reads a file without the gzip magic as plain bytes; that is never our data.
    std::FILE* raw = std::fopen(file.string().c_str(), "rb");
    unsigned char magic[2] = {0, 0};
    const std::size_t got = raw ? std::fread(magic, 1, 2, raw) : 0;
    if (raw) std::fclose(raw);
    if (got != 2 || magic[0] != 0x1f || magic[1] != 0x8b) {
      fail(file, "not a gzip file (expected the gzip-compressed digits CSV, starting with bytes 1f 8b)");
    }
  }
  gzFile handle = gzopen(file.string().c_str(), "rb");
  if (handle == nullptr) fail(file, "cannot open file");
  std::string text;
  char buffer[1 << 16];
  int read = 0;
  while ((read = gzread(handle, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(read));
  int error = Z_OK;
  const char* message = gzerror(handle, &error);
  const std::string reason = message != nullptr ? message : "unknown zlib error";
  gzclose(handle);
  if (read < 0 || (error != Z_OK && error != Z_STREAM_END)) {
    fail(file, fmt::format("corrupt or truncated gzip stream ({})", reason));
  }
  return text;
}

// A bad field as it can be shown in a message: at most 20 characters, bytes outside
// printable ASCII as \xNN (a binary file must not flood the terminal).
std::string printable_prefix(std::string_view field) {
  std::string shown;
  for (std::size_t i = 0; i < field.size() && i < 20; ++i) {
    const auto c = static_cast<unsigned char>(field[i]);
    shown += c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c)) : fmt::format("\\x{:02x}", c);
  }
  if (field.size() > 20) shown += "...";
  return shown;
}

struct ParsedRows {
  std::vector<std::array<double, DigitsData::pixel_count>> pixels;
  std::vector<int> labels;
};

ParsedRows parse_csv(const std::filesystem::path& file, std::string_view text) {
  constexpr int columns = DigitsData::pixel_count + 1;
  ParsedRows rows;
  std::size_t line_start = 0;
  int row_number = 0;
  while (line_start < text.size()) {
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = text.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    ++row_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    std::array<double, DigitsData::pixel_count> pixels{};
    int label = -1;
    std::size_t field_start = 0;
    for (int column = 1; column <= columns; ++column) {
      if (field_start > line.size()) {
        fail(file, fmt::format("row {}: expected {} columns, found {}", row_number, columns, column - 1));
      }
      std::size_t field_end = line.find(',', field_start);
      if (field_end == std::string_view::npos) field_end = line.size();
      const std::string_view field = line.substr(field_start, field_end - field_start);
      field_start = field_end + 1;
      const bool is_label = column == columns;
      const int max_value = is_label ? DigitsData::class_count - 1 : DigitsData::max_pixel_value;
      int value = -1;
      const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
      if (error != std::errc() || end != field.data() + field.size() || value < 0 || value > max_value) {
        fail(file, fmt::format("row {}, column {}: expected an integer {} 0..{}, got '{}'", row_number,
                               column, is_label ? "label" : "pixel", max_value, printable_prefix(field)));
      }
      if (is_label) {
        label = value;
      } else {
        pixels[static_cast<std::size_t>(column - 1)] = static_cast<double>(value) / DigitsData::max_pixel_value;
      }
    }
    if (field_start <= line.size()) {
      fail(file, fmt::format("row {}: more than {} columns", row_number, columns));
    }
    rows.pixels.push_back(pixels);
    rows.labels.push_back(label);
  }
  return rows;
}

}  // namespace

std::shared_ptr<const DigitsData> load_digits(const std::filesystem::path& file) {
  const ParsedRows rows = parse_csv(file, read_gzip(file));
  const int total = static_cast<int>(rows.labels.size());
  const int minimum = 2 * DigitsData::validation_rows;
  if (total < minimum) fail(file, fmt::format("expected at least {} rows, found {}", minimum, total));

  // Fisher-Yates with the counter generator: the same permutation on every platform.
  std::vector<int> order(static_cast<std::size_t>(total));
  std::iota(order.begin(), order.end(), 0);
  const CounterRandom random(split_seed, 0);
  for (int i = total - 1; i > 0; --i) std::swap(order[i], order[random.index_below(i, i + 1)]);

  auto data = std::make_shared<DigitsData>();
  const int train_rows = total - DigitsData::validation_rows;
  data->train_images.resize(train_rows, DigitsData::pixel_count);
  data->validation_images.resize(DigitsData::validation_rows, DigitsData::pixel_count);
  for (int i = 0; i < total; ++i) {
    const auto source = static_cast<std::size_t>(order[static_cast<std::size_t>(i)]);
    const bool train = i < train_rows;
    auto& images = train ? data->train_images : data->validation_images;
    const int row = train ? i : i - train_rows;
    for (int j = 0; j < DigitsData::pixel_count; ++j) images(row, j) = rows.pixels[source][j];
    (train ? data->train_labels : data->validation_labels).push_back(rows.labels[source]);
  }
  return data;
}

}  // namespace symopt
