"""PyTorch doing what threatlab's bench/inference.bench.ts times: a model's float64 class
probabilities for a batch of rows (the forward pass and the softmax, no gradient), read from the
threatlab model file (an MLP or the CNN), one thread; the first call in the process and the median
of further calls. It writes its probabilities (float64) where the spec says, so the bench can show
both sides computed the same numbers.

    /usr/bin/python3 bench/peers/inference_peer.py '{"model": "m.json", "x": "x.f64", "cols": 784, "out": "p.f64", "repeats": 5}'
"""

import json
import sys
import time

import numpy as np
import torch
from torch_threads import use_threads
from threatlab_torch import network


def main():
    spec = json.loads(sys.argv[1])
    use_threads(torch, 1)
    with open(spec["model"]) as f:
        forward = network(json.load(f), np.float64, probabilities=True)
    # The rows as the float64 tensor the network reads (made before the timer, as ours are in memory).
    x = torch.from_numpy(np.fromfile(spec["x"], dtype=np.float64).reshape(-1, spec["cols"]))
    times = []
    with torch.no_grad():
        for _ in range(1 + spec["repeats"]):
            started = time.perf_counter()
            probabilities = forward(x)
            times.append(time.perf_counter() - started)
    probabilities.numpy().astype(np.float64).tofile(spec["out"])
    further = sorted(times[1:])
    print(json.dumps({"peer": f"torch {torch.__version__} (1 thread, float64)", "firstSeconds": times[0], "warmSeconds": further[len(further) // 2]}))


if __name__ == "__main__":
    main()
