"""PyTorch peer of bench/dp-sgd.bench.ts: the same MLP (784-128-10, relu) or CNN (cnn.ts's 8-16: two
blocks of 3 × 3 valid convolution, relu and 2 × 2 max-pooling, dense relu 64) trained plainly and
with DP-SGD on the same rows, batch size and epochs, 1 thread. DP-SGD's per-example gradients come from
functorch's vmap(grad(...)) (the vectorised method Opacus and JAX use), clipped to norm C, summed,
noised and divided by the expected batch size, with Poisson sampling — the same algorithm as ours.

Argument: a JSON spec {x, y, rows, cols, classes, batch, epochs, noise, clip, lr, model ('mlp' or 'cnn'), image [h, w]}.
Prints one JSON line: examples/s plain and DP, and the thread count.
"""
import json
import sys
import time

import numpy as np
import torch
from torch_threads import use_threads
from functorch import grad, make_functional, vmap

use_threads(torch, 1)
spec = json.loads(sys.argv[1])
x = torch.from_numpy(np.fromfile(spec['x'], dtype=np.float32).reshape(spec['rows'], spec['cols']))
y = torch.from_numpy(np.fromfile(spec['y'], dtype=np.int32).astype(np.int64))
n, batch, epochs = spec['rows'], spec['batch'], spec['epochs']
torch.manual_seed(42)


def network():
    if spec.get('model', 'mlp') == 'mlp':
        return torch.nn.Sequential(torch.nn.Linear(spec['cols'], 128), torch.nn.ReLU(), torch.nn.Linear(128, spec['classes']))
    height, width = spec['image']
    flat = 16 * (((height - 2) // 2 - 2) // 2) * (((width - 2) // 2 - 2) // 2)
    nn = torch.nn
    return nn.Sequential(
        nn.Unflatten(1, (1, height, width)),
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(flat, 64), nn.ReLU(), nn.Linear(64, spec['classes']))


def plain():
    model = network()
    optimiser = torch.optim.Adam(model.parameters(), lr=spec['lr'])
    started = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(n)
        for start in range(0, n, batch):
            rows = order[start:start + batch]
            optimiser.zero_grad()
            torch.nn.functional.cross_entropy(model(x[rows]), y[rows]).backward()
            optimiser.step()
    return n * epochs / (time.perf_counter() - started)


def private():
    model = network()
    fmodel, params = make_functional(model)
    params = [p.detach().requires_grad_(True) for p in params]
    optimiser = torch.optim.Adam(params, lr=spec['lr'])

    def loss(p, xi, yi):
        return torch.nn.functional.cross_entropy(fmodel(p, xi.unsqueeze(0)), yi.unsqueeze(0))

    per_example = vmap(grad(loss), in_dims=(None, 0, 0))
    q = batch / n
    steps = int(np.ceil(epochs * n / batch))
    started = time.perf_counter()
    for _ in range(steps):
        rows = torch.nonzero(torch.rand(n) < q).squeeze(1)
        grads = [g.detach() for g in per_example(params, x[rows], y[rows])]
        norms = torch.sqrt(sum(g.reshape(g.shape[0], -1).pow(2).sum(1) for g in grads))
        factors = torch.clamp(spec['clip'] / (norms + 1e-12), max=1.0)
        for p, g in zip(params, grads):
            summed = (factors.view(-1, *([1] * (g.dim() - 1))) * g).sum(0)
            p.grad = (summed + torch.randn_like(summed) * spec['noise'] * spec['clip']) / (q * n)
        optimiser.step()
    return steps * q * n / (time.perf_counter() - started)


print(json.dumps({'peer': f'PyTorch {torch.__version__} + functorch vmap, 1 thread', 'plainExamplesPerSecond': plain(), 'dpExamplesPerSecond': private(), 'threads': torch.get_num_threads()}))
