// The UCI handwritten digits (8x8 images, 10 classes), read from a gzip CSV and split once,
// by a fixed seeded shuffle, into training and validation sets.
#pragma once

#include "proxies/dense_layers.h"

#include <filesystem>
#include <memory>
#include <vector>

namespace symopt {

struct DigitsData {
  static constexpr int pixel_count = 64;
  static constexpr int class_count = 10;
  static constexpr int max_pixel_value = 16;
  static constexpr int validation_rows = 297;
  // Pixels scaled to [0, 1]; row i of the images has label i.
  RowMatrix<double> train_images;
  std::vector<int> train_labels;
  RowMatrix<double> validation_images;
  std::vector<int> validation_labels;
};

// Each line: 64 integer pixels 0..16 then the label 0..9, comma-separated. Throws
// std::runtime_error naming the file, and the row and column of a bad value.
std::shared_ptr<const DigitsData> load_digits(const std::filesystem::path& file);

}  // namespace symopt
