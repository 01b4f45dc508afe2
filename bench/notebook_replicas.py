"""The recipes of notebooks 002 (mnist_cnn_layers) and 004 (mnist_cnn) in PyTorch, over several seeds:
the reference the README's results table is read against. Same data, initialisation, steps and test
images as the tutorials; the max pool's gradient goes to the first maximum (max_pool2d) or, with
--pool-ties all, to every tied maximum (the notebooks' rule).

  /usr/bin/python3 bench/notebook_replicas.py 004 --pool-ties all --seeds 0-9
"""
import argparse
import gzip
import os

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


def train(notebook, seed, tied, data):
    torch.manual_seed(seed)
    np.random.seed(seed)
    (x, y), (xt, yt) = data
    if notebook == "002":  # conv 8 2x2 stride 2 pad 1 -> pool 2 stride 2 pad 1 -> 512 -> 10; 4 x 500 random images
        conv, pool = dict(stride=2, padding=1), (2, 2, 1)
        w, W = torch.randn(8, 1, 2, 2), torch.randn(10, 512) / 512
        epochs, xt, yt = 4, xt[:5000], yt[:5000]

        def order():
            return np.random.permutation(len(x))[:500]
    else:  # conv 8 3x3 -> pool 2 -> 1352 -> 10; 3 epochs over x[:1000], tested on x[1000:2000]
        conv, pool = dict(), (2, 2, 0)
        w, W = torch.randn(8, 1, 3, 3) / 9, torch.randn(10, 1352) / 1352
        x, y, xt, yt = x[:1000], y[:1000], x[1000:2000], y[1000:2000]
        epochs = 3

        def order():
            return np.random.permutation(1000)
    b = torch.zeros(10)
    params = [t.requires_grad_() for t in (w, W, b)]

    def forward(images):
        c = F.conv2d(images, w, **conv)
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
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "datasets", "data", "mnist"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = mnist(args.data, "train"), mnist(args.data, "t10k")
    first, last = map(int, args.seeds.split("-"))
    accuracies = [100 * train(args.notebook, s, args.pool_ties == "all", data) for s in range(first, last + 1)]
    print(f"notebook {args.notebook}, pool ties {args.pool_ties}, seeds {args.seeds}: "
          f"mean {np.mean(accuracies):.2f} %, sd {np.std(accuracies, ddof=1):.2f}; "
          + ", ".join(f"{a:.2f}" for a in accuracies))


if __name__ == "__main__":
    main()
