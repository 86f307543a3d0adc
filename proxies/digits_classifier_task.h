// "logreg-digits" (softmax regression, 64-10) and "mlp-digits" (64-H-10, ReLU): classifiers
// of the 8x8 handwritten digits trained on seeded minibatches.
#pragma once

#include "proxies/digits_data.h"
#include "proxies/proxy_task.h"

#include <memory>
#include <string>

namespace symopt {

struct DigitsClassifierConfig {
  int hidden_width = 0;  // 0: softmax regression; otherwise one ReLU hidden layer this wide
  int batch_size = 32;
  int steps = 100;
  double learning_rate = 1e-2;
};

DigitsClassifierConfig logreg_digits_config(Rung rung);
DigitsClassifierConfig mlp_digits_config(Rung rung);

// Validation is on all DigitsData::validation_rows held-out images (loss and accuracy).
std::shared_ptr<const ProxyTask> make_digits_classifier_task(std::string name, Rung rung,
                                                             const DigitsClassifierConfig& config,
                                                             std::shared_ptr<const DigitsData> data);

}  // namespace symopt
