#!/usr/bin/env python3
"""W3 trained data-parallel in PyTorch, the counterpart of bench_data_parallel: DistributedDataParallel over
the gloo backend, P processes on this machine (torch.multiprocessing), a global batch of 64 split among them
(64 / P each), 1 thread each, SGD momentum 0.9 lr 0.01, one epoch of MNIST in order (or --steps steps),
then the test accuracy. DDP averages the ranks' mean-loss gradients (its own reduction, in gloo's order).

Usage: /usr/bin/python3 bench/torch_ddp.py --processes P [--steps N] [--threads 1] [--data-dir DIR]
Prints one JSON object, from rank 0. Needs torch.distributed with gloo (Debian's python3-torch has it).
"""
import argparse
import json
import os
import socket
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

from torch_ref import HERE, load

GLOBAL_BATCH = 64


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker(rank, args, port):
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
    torch.set_num_threads(args.threads)
    dist.init_process_group("gloo", rank=rank, world_size=args.processes)
    images, labels = load(args.data_dir, "mnist", "train")
    test_images, test_labels = load(args.data_dir, "mnist", "test")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 10))
    ddp = DistributedDataParallel(model)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.01, momentum=0.9)
    dataset = TensorDataset(images, labels)
    sampler = DistributedSampler(dataset, num_replicas=args.processes, rank=rank, shuffle=False, drop_last=True)
    loader = DataLoader(dataset, batch_size=GLOBAL_BATCH // args.processes, sampler=sampler)

    dist.barrier()
    start = time.perf_counter()
    steps = samples = 0
    for x, y in loader:
        if steps == args.steps:
            break
        opt.zero_grad()
        F.cross_entropy(ddp(x), y).backward()  # DDP all-reduces the gradients during backward
        opt.step()
        steps += 1
        samples += x.shape[0] * args.processes
    dist.barrier()
    seconds = time.perf_counter() - start
    if rank == 0:
        with torch.no_grad():
            accuracy = (model(test_images).argmax(1) == test_labels).float().mean().item()
        print(json.dumps({"framework": "pytorch", "version": torch.__version__, "workload": "W3-ddp",
                          "backend": "gloo", "processes": args.processes, "threads": args.threads,
                          "global_batch": GLOBAL_BATCH, "steps": steps, "samples_per_second": samples / seconds,
                          "seconds": seconds, "test_accuracy": accuracy}), flush=True)
    dist.destroy_process_group()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--steps", type=int, default=-1, help="steps to time (-1: one epoch)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data-dir", default=os.environ.get("SG_DATA_DIR", os.path.join(HERE, "..", "datasets", "data")))
    args = parser.parse_args()
    if not dist.is_available() or not dist.is_gloo_available():
        parser.error("this PyTorch has no torch.distributed with the gloo backend")
    if GLOBAL_BATCH % args.processes:
        parser.error(f"{args.processes} processes do not divide the batch of {GLOBAL_BATCH}")
    mp.spawn(worker, args=(args, free_port()), nprocs=args.processes, join=True)


if __name__ == "__main__":
    main()
