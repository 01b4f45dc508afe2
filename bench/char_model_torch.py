#!/usr/bin/env python3
"""tutorials/char_model's bigram and MLP in PyTorch, on the same split, with the same hyper-parameters.

The split is the one the tutorial wrote with --write-split (its words, in its order), so both programs
train and validate on the same words:
  build/tutorials/char_model --write-split --out run
  /usr/bin/python3 bench/char_model_torch.py --split run
Model: Embedding(27, 10) -> concatenated (30) -> Linear(30, 200) -> tanh -> Linear(200, 27), PyTorch's
default initialisation (which scratchgrad's layers copy); Adam, batches of 32 drawn at random with
replacement, --steps per epoch, lr x 0.1 for the last quarter of the epochs (StepLR). Prints the
validation loss after each epoch and, last, "validation loss: x.xxxx".
"""
import argparse
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SYMBOLS = ".abcdefghijklmnopqrstuvwxyz"  # '.' starts and ends a word
INDEX = {c: i for i, c in enumerate(SYMBOLS)}


def read_words(path):
    with open(path, encoding="ascii") as f:
        return [line.rstrip("\n") for line in f if line.rstrip("\n")]


def examples(words, context=3):
    """(last `context` symbols, next symbol) for every symbol of every word, its end '.' included."""
    xs, ys = [], []
    for word in words:
        window = [0] * context
        for c in word + ".":
            xs.append(window)
            ys.append(INDEX[c])
            window = window[1:] + [INDEX[c]]
    return torch.tensor(xs, dtype=torch.int64), torch.tensor(ys, dtype=torch.int64)


class CharMlp(nn.Module):
    def __init__(self, vocabulary=27, context=3, dim=10, hidden=200):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, dim)
        self.hidden = nn.Linear(context * dim, hidden)
        self.out = nn.Linear(hidden, vocabulary)

    def forward(self, contexts):
        e = self.embed(contexts)
        return self.out(torch.tanh(self.hidden(e.reshape(e.shape[0], -1))))


@torch.no_grad()
def mean_loss(model, x, y, chunk=8192):
    total = 0.0
    for start in range(0, x.shape[0], chunk):
        total += F.cross_entropy(model(x[start:start + chunk]), y[start:start + chunk], reduction="sum").item()
    return total / x.shape[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", required=True, help="the --out folder of char_model --write-split")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.002)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="1 by default: at batch 32 the products are small, and on a loaded machine a second "
                             "thread made PyTorch several times slower")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    train_words = read_words(os.path.join(args.split, "char_model_train_words.txt"))
    validation_words = read_words(os.path.join(args.split, "char_model_validation_words.txt"))
    x_train, y_train = examples(train_words)
    x_val, y_val = examples(validation_words)
    print(f"1. {len(train_words)} training words ({len(y_train)} examples), "
          f"{len(validation_words)} validation words ({len(y_val)} examples)")

    # The bigram by counting, +1 smoothing: the same table as the tutorial's step 2, so the same loss.
    counts = torch.zeros(27, 27, dtype=torch.float64)
    for word in train_words:
        symbols = [0] + [INDEX[c] for c in word] + [0]
        for a, b in zip(symbols, symbols[1:]):
            counts[a, b] += 1
    table = (counts + 1) / (counts + 1).sum(1, keepdim=True)
    xb, yb = examples(validation_words, context=1)
    print(f"2. bigram by counting: validation loss {-table[xb[:, 0], yb].log().mean().item():.4f}")

    model = CharMlp()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    decay = torch.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, args.epochs * 3 // 4), gamma=0.1)
    generator = torch.Generator().manual_seed(args.seed)
    print(f"5. training: {args.epochs} epochs of {args.steps} steps, batch {args.batch_size}, Adam lr {args.lr}, "
          f"torch {torch.__version__}, {args.threads} threads")
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        running = 0.0
        for _ in range(args.steps):
            index = torch.randint(0, x_train.shape[0], (args.batch_size,), generator=generator)
            loss = F.cross_entropy(model(x_train[index]), y_train[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += loss.item()
        print(f"   epoch {epoch}: train loss {running / args.steps:.4f}, "
              f"validation loss {mean_loss(model, x_val, y_val):.4f}")
        decay.step()
    print(f"   trained in {time.perf_counter() - start:.1f} s")
    train_loss, validation_loss = mean_loss(model, x_train, y_train), mean_loss(model, x_val, y_val)
    print(f"   loss on all examples: train {train_loss:.4f}, validation {validation_loss:.4f} "
          f"(log 27 = {math.log(27):.4f})")
    print(f"validation loss: {validation_loss:.4f}")


if __name__ == "__main__":
    main()
