"""The recipes of notebooks 002 (mnist_cnn_layers) and 004 (mnist_cnn) in PyTorch, over several seeds:
the reference the README's results table is read against. Same data, initialisation, steps, test
images and forward (notebook 002's max pool over a border of zeros) as the tutorials; the max pool's gradient goes to the first maximum (max_pool2d) or, with
--pool-ties all, to every tied maximum (the notebooks' rule).

  /usr/bin/python3 bench/notebook_replicas.py 004 --pool-ties all --seeds 0-9

--same-start build/tutorials/mnist_cnn starts each seed's run from that tutorial's own initial weights
(its --epochs 0 --save file) and visits the images in its DataLoader's order (sg::Generator, written
again below), and prints the tutorial's test accuracy beside PyTorch's: the same arithmetic in float32
gives the same figure, so any gap between the two means is the draw of the weights and the order.
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import tempfile

import numpy as np
import torch
import torch.nn.functional as F


def read_idx(path, header):
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return np.frombuffer(data, np.uint8, offset=header)


def mnist(root, split):
    def name(kind):
        return os.path.join(root, next(f for f in os.listdir(root) if f.startswith(f"{split}-{kind}")))

    images = read_idx(name("images"), 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255 - 0.5
    return torch.tensor(images), torch.tensor(read_idx(name("labels"), 8).astype(np.int64))


class TiedMaxPool(torch.autograd.Function):
    """max_pool2d's forward; backward gives a window's gradient to every position equal to its maximum."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding):
        y = F.max_pool2d(x, kernel, stride, padding)
        ctx.save_for_backward(x, y)
        ctx.geometry = kernel, stride, padding
        return y

    @staticmethod
    def backward(ctx, dy):
        x, y = ctx.saved_tensors
        kernel, stride, padding = ctx.geometry
        n, c, h, w = x.shape
        # Unfold the padded maps into windows, mark the positions equal to their window's maximum, fold back.
        padded = F.pad(x, [padding] * 4, value=-float("inf")).reshape(n * c, 1, h + 2 * padding, w + 2 * padding)
        windows = F.unfold(padded, kernel, stride=stride)
        routed = (windows == y.reshape(n * c, 1, -1)).to(dy.dtype) * dy.reshape(n * c, 1, -1)
        dx = F.fold(routed, (h + 2 * padding, w + 2 * padding), kernel, stride=stride)
        return dx[:, :, padding:padding + h, padding:padding + w].reshape(n, c, h, w), None, None, None


MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


class Generator:
    """sg::Generator: xoshiro256** seeded through splitmix64, and randint by rejection."""

    def __init__(self, seed):
        self.s = []
        for _ in range(4):
            seed = (seed + GOLDEN) & MASK
            z = ((seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            self.s.append(z ^ (z >> 31))

    def next_u64(self):
        def rotl(v, k):
            return ((v << k) | (v >> (64 - k))) & MASK
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def randint(self, n):
        limit = MASK - MASK % n
        while (v := self.next_u64()) >= limit:
            pass
        return v % n


def loader_order(n, seed, epoch):
    """sg::datasets::epoch_order: a Fisher-Yates shuffle from the seed mixed with the epoch."""
    generator, order = Generator(seed ^ (((epoch + 1) * GOLDEN) & MASK)), list(range(n))
    for i in range(n, 1, -1):
        j = generator.randint(i)
        order[i - 1], order[j] = order[j], order[i - 1]
    return order


def read_safetensors(path):
    data = open(path, "rb").read()
    size = struct.unpack("<Q", data[:8])[0]
    header, body = json.loads(data[8:8 + size]), data[8 + size:]
    return {name: torch.tensor(np.frombuffer(body[v["data_offsets"][0]:v["data_offsets"][1]], np.float32)
                               .reshape(v["shape"]).copy()) for name, v in header.items() if name != "__metadata__"}


def tutorial_start(program, seed, data_dir):
    """The tutorial's initial weights for this seed, and its test accuracy after a whole run."""
    with tempfile.TemporaryDirectory() as out:
        common = [program, "--seed", str(seed), "--threads", "1", "--data-dir", data_dir, "--out", out]
        subprocess.run(common + ["--epochs", "0", "--save", f"{out}/start.safetensors"], check=True, capture_output=True)
        weights = read_safetensors(f"{out}/start.safetensors")
        last = subprocess.run(common, check=True, capture_output=True, text=True).stdout.strip().split("\n")[-1]
    return weights, 100 * float(last.split()[-1])


def train(notebook, seed, tied, data, start=None):
    torch.manual_seed(seed)
    np.random.seed(seed)
    (x, y), (xt, yt) = data
    epoch = iter(range(1000))
    if notebook == "002":  # conv 8 2x2 stride 2 pad 1 -> zero border 1 -> pool 2 -> 512 -> 10; 4 x 500 random images
        conv, pool, border = dict(stride=2, padding=1), (2, 2, 0), 1
        w, W = torch.randn(8, 1, 2, 2), torch.randn(10, 512) / 512
        epochs, xt, yt = 4, xt[:5000], yt[:5000]

        def order():
            return loader_order(len(x), seed, next(epoch))[:500] if start else np.random.permutation(len(x))[:500]
    else:  # conv 8 3x3 -> pool 2 -> 1352 -> 10; 3 epochs over x[:1000], tested on x[1000:2000]
        conv, pool, border = dict(), (2, 2, 0), 0
        w, W = torch.randn(8, 1, 3, 3) / 9, torch.randn(10, 1352) / 1352
        x, y, xt, yt = x[:1000], y[:1000], x[1000:2000], y[1000:2000]
        epochs = 3

        def order():
            return loader_order(1000, seed, next(epoch)) if start else np.random.permutation(1000)
    b = torch.zeros(10)
    if start:  # the tutorial's Sequential: the conv first, the dense layer last
        dense = max(int(name.split(".")[0]) for name in start)
        w, W, b = start["0.weight"].clone(), start[f"{dense}.weight"].clone(), start[f"{dense}.bias"].clone()
    params = [t.requires_grad_() for t in (w, W, b)]

    def forward(images):
        c = F.pad(F.conv2d(images, w, **conv), [border] * 4)  # notebook 002's MaxPool pads with zeros
        pooled = TiedMaxPool.apply(c, *pool) if tied else F.max_pool2d(c, *pool)
        return pooled.flatten(1) @ W.T + b

    for _ in range(epochs):
        for i in order():
            loss = F.cross_entropy(forward(x[i:i + 1]), y[i:i + 1])
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= 0.005 * p.grad
    with torch.no_grad():
        return (forward(xt).argmax(1) == yt).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook", choices=["002", "004"])
    parser.add_argument("--pool-ties", choices=["first", "all"], default="first")
    parser.add_argument("--seeds", default="0-4", help="A-B")
    parser.add_argument("--same-start", metavar="TUTORIAL", help="a built tutorial whose start and order to use")
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "datasets", "data", "mnist"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = mnist(args.data, "train"), mnist(args.data, "t10k")
    first, last = map(int, args.seeds.split("-"))
    if args.same_start:
        for s in range(first, last + 1):
            weights, tutorial = tutorial_start(args.same_start, s, os.path.dirname(os.path.abspath(args.data)))
            pytorch = 100 * train(args.notebook, s, args.pool_ties == "all", data, weights)
            print(f"seed {s}: {os.path.basename(args.same_start)} {tutorial:.2f} %, PyTorch from its start {pytorch:.2f} %")
        return
    accuracies = [100 * train(args.notebook, s, args.pool_ties == "all", data) for s in range(first, last + 1)]
    print(f"notebook {args.notebook}, pool ties {args.pool_ties}, seeds {args.seeds}: "
          f"mean {np.mean(accuracies):.2f} %, sd {np.std(accuracies, ddof=1):.2f}; "
          + ", ".join(f"{a:.2f}" for a in accuracies))


if __name__ == "__main__":
    main()
