#!/usr/bin/env python3
"""The benchmark workloads W1-W8, run the same way in PyTorch, for a side-by-side ratio.

Usage: torch_ref.py --workload W1|W2|W3|W4|W5|W6|W7|W8|W9|hvp --threads N [--repeats 5] [--data-dir DIR]
Prints one JSON object per line, with the same fields as bench_workloads (the C++ side).
Needs Debian's python3-torch and libopenblas0-openmp (without it PyTorch falls back to a slow BLAS).
"""
import argparse
import gzip
import json
import math
import os
import resource
import statistics
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def read_idx(path):
    """Reads an IDX file (raw or .gz) into a numpy array."""
    for candidate in (path, path + ".gz"):
        if os.path.exists(candidate):
            opener = gzip.open if candidate.endswith(".gz") else open
            with opener(candidate, "rb") as f:
                data = f.read()
            magic, = struct.unpack(">I", data[:4])
            rank = magic & 0xFF
            dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)
    raise FileNotFoundError(path)


def load(data_dir, name, split):
    prefix = "train" if split == "train" else "t10k"
    folder = os.path.join(data_dir, name)
    images = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte")).astype(np.float32) / 255.0
    labels = read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte")).astype(np.int64)
    return torch.from_numpy(images.reshape(-1, 1, 28, 28).copy()), torch.from_numpy(labels.copy())


def timed(fn, repeats):
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def w1(data_dir, repeats):
    """Notebook 004's model, one sample per step: conv 3x3 x8, max pool 2, dense 1352 -> 10."""
    images, labels = load(data_dir, "mnist", "train")
    images, labels = images[:1000] - 0.5, labels[:1000]
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 8, 3, bias=False)
    fc = nn.Linear(13 * 13 * 8, 10)
    opt = torch.optim.SGD(list(conv.parameters()) + list(fc.parameters()), lr=0.005)

    def epoch():
        for i in range(images.shape[0]):
            opt.zero_grad()
            out = fc(F.max_pool2d(conv(images[i:i + 1]), 2).flatten(1))
            F.cross_entropy(out, labels[i:i + 1]).backward()
            opt.step()

    seconds, _ = timed(epoch, repeats)
    return {"samples_per_second": images.shape[0] / seconds, "seconds": seconds}


def w2(data_dir, repeats):
    """Notebook 001's MLP 784-64-32-10 with sigmoid, batch 200, SGD lr 0.25, one epoch of Fashion-MNIST."""
    images, labels = load(data_dir, "fashion-mnist", "train")
    x = images.reshape(-1, 784)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 64), nn.Sigmoid(), nn.Linear(64, 32), nn.Sigmoid(), nn.Linear(32, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.25)

    def epoch():
        for start in range(0, x.shape[0], 200):
            opt.zero_grad()
            F.cross_entropy(model(x[start:start + 200]), labels[start:start + 200]).backward()
            opt.step()

    seconds, _ = timed(epoch, repeats)
    return {"seconds_per_epoch": seconds, "samples_per_second": x.shape[0] / seconds, "seconds": seconds}


def w3(data_dir, repeats):
    """LeNet-like CNN, batch 64, SGD momentum 0.9 lr 0.01, one epoch of MNIST; then test accuracy."""
    images, labels = load(data_dir, "mnist", "train")
    test_images, test_labels = load(data_dir, "mnist", "test")

    def make():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 10))
        return model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def epoch():
        model, opt = make()
        for start in range(0, images.shape[0], 64):
            opt.zero_grad()
            F.cross_entropy(model(images[start:start + 64]), labels[start:start + 64]).backward()
            opt.step()
        return model

    seconds, model = timed(epoch, repeats)
    with torch.no_grad():
        accuracy = (model(test_images).argmax(1) == test_labels).float().mean().item()
    return {"samples_per_second": images.shape[0] / seconds, "test_accuracy": accuracy, "seconds": seconds}


def w4(repeats):
    """Forward + backward of one op on 1x1 and 8x8 tensors, ns per op: "op" is y = op(a, b); y.backward(dy),
    "op+sum" is op(a, b).sum().backward(), as bench_workloads runs them."""
    results = []
    for n in (1, 8):
        a, b = torch.randn(n, n, requires_grad=True), torch.randn(n, n, requires_grad=True)
        dy = torch.ones(n, n)
        ops = {"add": lambda: a + b, "mul": lambda: a * b, "matmul": lambda: a @ b, "relu": lambda: torch.relu(a)}
        for name, op in ops.items():
            for variant in ("op", "op+sum"):
                iterations = 5000

                def run():
                    for _ in range(iterations):
                        if variant == "op":
                            op().backward(dy)
                        else:
                            op().sum().backward()

                seconds, _ = timed(run, repeats)
                results.append({"op": name, "size": f"{n}x{n}", "variant": variant,
                                "ns_per_op": seconds / iterations * 1e9})
    return results


def w5(repeats):
    """sgemm at square sizes and at the products W2 and W3 run, as bench_workloads lists them: (M, K, N) and
    whether A and B are used transposed (a transposed view: BLAS reads it with a flag, no copy)."""
    products = [(n, n, n, False, False) for n in (64, 256, 512, 1024)] + [
        (200, 784, 64, False, True), (64, 200, 784, True, False), (200, 64, 32, False, True),
        (200, 32, 64, False, False),  # W2
        (8, 9, 676, False, False), (8, 676, 9, False, True), (16, 72, 121, False, False),
        (72, 16, 121, True, False), (72, 121, 16, False, True), (64, 400, 10, False, True)]  # W3
    results = []
    for m, k, n, trans_a, trans_b in products:
        a = torch.randn(k, m).t() if trans_a else torch.randn(m, k)
        b = torch.randn(n, k).t() if trans_b else torch.randn(k, n)
        iterations = max(1, int(2e8 / (2 * m * n * k)))

        def run():
            for _ in range(iterations):
                torch.mm(a, b)

        seconds, _ = timed(run, repeats)
        results.append({"shape": [m, k, n], "trans": ("T" if trans_a else "N") + ("T" if trans_b else "N"),
                        "gflops": 2 * m * n * k * iterations / seconds / 1e9})
    return results


def w6(repeats):
    """A CIFAR-shaped CNN with batch norm, batch 128, SGD momentum 0.9 lr 0.01, on generated data: 8 steps."""
    batch, steps = 128, 8
    torch.manual_seed(0)
    images = torch.randn(steps * batch, 3, 32, 32)
    labels = torch.tensor([i * 7 % 10 for i in range(steps * batch)])
    model = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(64 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def run():
        for step in range(steps):
            opt.zero_grad()
            F.cross_entropy(model(images[step * batch:(step + 1) * batch]), labels[step * batch:(step + 1) * batch]).backward()
            opt.step()

    seconds, _ = timed(run, repeats)
    return {"samples_per_second": steps * batch / seconds, "seconds": seconds}


def w7(repeats):
    """tutorials/char_model's MLP: Embedding(27, 10) of 3 symbols, concatenated (30), Linear(30, 200), tanh,
    Linear(200, 27); batch 32, Adam lr 0.002, on generated data as bench_workloads makes it: 500 steps."""
    batch, steps = 32, 500
    n = steps * batch
    contexts = torch.tensor([[(7 * i + 11 * k) % 27 for k in range(3)] for i in range(n)], dtype=torch.int64)
    targets = torch.tensor([5 * i % 27 for i in range(n)], dtype=torch.int64)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(27, 10), nn.Flatten(), nn.Linear(30, 200), nn.Tanh(), nn.Linear(200, 27))
    opt = torch.optim.Adam(model.parameters(), lr=0.002)

    def run():
        for step in range(steps):
            opt.zero_grad()
            F.cross_entropy(model(contexts[step * batch:(step + 1) * batch]), targets[step * batch:(step + 1) * batch]).backward()
            opt.step()

    seconds, _ = timed(run, repeats)
    return {"samples_per_second": n / seconds, "us_per_step": seconds / steps * 1e6, "seconds": seconds}


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which position t sees positions 0..t, written with the same ops as
    bench_workloads' model (not F.scaled_dot_product_attention, which torch 1.13 lacks)."""

    def __init__(self, d_model, heads):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value, self.output = (nn.Linear(d_model, d_model) for _ in range(4))

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = (proj(x).view(b, t, self.heads, d // self.heads).transpose(1, 2)
                   for proj in (self.query, self.key, self.value))
        scores = (q @ k.transpose(2, 3)) / math.sqrt(d // self.heads)
        future = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        weights = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
        return self.output((weights @ v).transpose(1, 2).reshape(b, t, d))


class EncoderBlock(nn.Module):
    def __init__(self, d_model, heads):
        super().__init__()
        self.ln1, self.attention = nn.LayerNorm(d_model), CausalSelfAttention(d_model, heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))

    def forward(self, x):
        x = x + self.attention(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class TransformerEncoder(nn.Module):
    def __init__(self, vocab, max_length, d_model, heads, layers):
        super().__init__()
        self.token_embedding, self.position_embedding = nn.Embedding(vocab, d_model), nn.Embedding(max_length, d_model)
        self.blocks = nn.Sequential(*(EncoderBlock(d_model, heads) for _ in range(layers)))
        self.ln_f, self.head = nn.LayerNorm(d_model), nn.Linear(d_model, vocab)

    def forward(self, tokens):
        x = self.token_embedding(tokens) + self.position_embedding(torch.arange(tokens.shape[1]))
        return self.head(self.ln_f(self.blocks(x)))


def w8(repeats):
    """A two-layer pre-norm causal transformer encoder, d_model 128, 4 heads, vocabulary 64, sequences of 64,
    batch 32, Adam lr 1e-3, next-token cross-entropy, on tokens generated as bench_workloads makes them: 4 steps."""
    batch, steps, length, vocab = 32, 4, 64, 64
    tokens = torch.tensor([[(7 * i + 11 * t + i * t % 5) % vocab for t in range(length + 1)]
                           for i in range(steps * batch)], dtype=torch.int64)
    torch.manual_seed(0)
    model = TransformerEncoder(vocab, length, d_model=128, heads=4, layers=2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def run():
        for step in range(steps):
            chunk = tokens[step * batch:(step + 1) * batch]
            opt.zero_grad()
            logits = model(chunk[:, :length])
            F.cross_entropy(logits.reshape(batch * length, vocab), chunk[:, 1:].reshape(batch * length)).backward()
            opt.step()

    seconds, _ = timed(run, repeats)
    return {"samples_per_second": steps * batch / seconds, "us_per_step": seconds / steps * 1e6, "seconds": seconds}


def w9(repeats):
    """The ops W8 spends its time in, alone, at W8's shapes, forward + backward (y.sum().backward()), as
    bench_workloads runs them: microseconds per call."""
    torch.manual_seed(0)
    leaf = lambda *shape: torch.randn(*shape, requires_grad=True)
    x, ln_weight, ln_bias, h = leaf(32, 64, 128), leaf(128), leaf(128), leaf(32, 64, 512)
    q, k_t, scores, v, table = leaf(32, 4, 64, 32), leaf(32, 4, 32, 64), leaf(32, 4, 64, 64), leaf(32, 4, 64, 32), leaf(64, 128)
    tokens = torch.tensor([i * 7 % 64 for i in range(32 * 64)], dtype=torch.int64).reshape(32, 64)
    ops = [("layer_norm", "[32, 64, 128]", lambda: F.layer_norm(x, (128,), ln_weight, ln_bias)),
           ("gelu", "[32, 64, 512]", lambda: F.gelu(h)),
           ("matmul q k^T", "[32, 4, 64, 32] x [32, 4, 32, 64]", lambda: q @ k_t),
           ("softmax", "[32, 4, 64, 64]", lambda: torch.softmax(scores, -1)),
           ("matmul weights v", "[32, 4, 64, 64] x [32, 4, 64, 32]", lambda: scores @ v),
           ("embedding", "[64, 128] at [32, 64]", lambda: F.embedding(tokens, table))]
    results = []
    for name, shape, op in ops:
        iterations = 20

        def run():
            for _ in range(iterations):
                op().sum().backward()

        seconds, _ = timed(run, repeats)
        results.append({"op": name, "shape": shape, "us_per_call": seconds / iterations * 1e6})
    return results


def hvp(repeats):
    """A Hessian-vector product against one backward on W2's MLP with a batch of 200 generated images, as
    bench_workloads runs it: microseconds of each, and their ratio."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 64), nn.Sigmoid(), nn.Linear(64, 32), nn.Sigmoid(), nn.Linear(32, 10))
    x = torch.rand(200, 784)
    labels = torch.tensor([i * 7 % 10 for i in range(200)], dtype=torch.int64)
    params = list(model.parameters())
    v = [torch.full_like(p, 0.01) for p in params]
    iterations = 50

    def backward():
        for _ in range(iterations):
            model.zero_grad()
            F.cross_entropy(model(x), labels).backward()

    def hessian_vector():
        for _ in range(iterations):
            g = torch.autograd.grad(F.cross_entropy(model(x), labels), params, create_graph=True)
            torch.autograd.grad(sum((gk * vk).sum() for gk, vk in zip(g, v)), params)

    backward_seconds, _ = timed(backward, repeats)
    hvp_seconds, _ = timed(hessian_vector, repeats)
    return {"backward_us": backward_seconds / iterations * 1e6, "hvp_us": hvp_seconds / iterations * 1e6,
            "hvp_over_backward": hvp_seconds / backward_seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", required=True, choices=["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9", "hvp"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data-dir", default=os.environ.get("SG_DATA_DIR", os.path.join(HERE, "..", "datasets", "data")))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    common = {"framework": "pytorch", "version": torch.__version__, "workload": args.workload, "threads": args.threads}
    if args.workload in ("W4", "W5", "W9"):
        for row in {"W4": w4, "W5": w5, "W9": w9}[args.workload](args.repeats):
            print(json.dumps({**common, **row}))
    else:
        if args.workload in ("W6", "W7", "W8", "hvp"):
            result = {"W6": w6, "W7": w7, "W8": w8, "hvp": hvp}[args.workload](args.repeats)
        else:
            result = {"W1": w1, "W2": w2, "W3": w3}[args.workload](args.data_dir, args.repeats)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({**common, **result}))


if __name__ == "__main__":
    main()
