# The PyTorch baseline of bench_proxies (a): the 64-128-10 ReLU MLP on the digits, batch 64,
# softmax cross-entropy, torch.optim.AdamW (weight decay 0.01, as the native
# baseline), float32, eager mode on one thread. Prints
# "steps_per_second N".
import argparse
import csv
import gzip
import time

import torch


def load_digits(path):
    with gzip.open(path, "rt") as handle:
        rows = [[int(value) for value in row] for row in csv.reader(handle) if row]
    features = torch.tensor([row[:64] for row in rows], dtype=torch.float32) / 16.0
    labels = torch.tensor([row[64] for row in rows], dtype=torch.int64)
    return features, labels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help="digits.csv.gz")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=128)
    arguments = parser.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(0)
    features, labels = load_digits(arguments.data)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, arguments.hidden), torch.nn.ReLU(), torch.nn.Linear(arguments.hidden, 10))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    loss_function = torch.nn.CrossEntropyLoss()

    def step():
        # Minibatch indices drawn per step, as the native loop does.
        index = torch.randint(0, features.shape[0], (arguments.batch,))
        optimizer.zero_grad(set_to_none=True)
        loss = loss_function(model(features[index]), labels[index])
        loss.backward()
        optimizer.step()

    for _ in range(200):  # warm-up
        step()
    start = time.perf_counter()
    for _ in range(arguments.steps):
        step()
    elapsed = time.perf_counter() - start
    print(f"steps_per_second {arguments.steps / elapsed:.1f}")


if __name__ == "__main__":
    main()
