"""Peer side of bench/mlp-extraction.bench.ts: fits a one-hidden-layer tanh network to observed
probability vectors with PyTorch's float64 L-BFGS on the same loss as threatlab's network fit
(squared error of centred log-probabilities, ridge on the weights), from threatlab's own start,
for the same number of iterations; prints one JSON line with the seconds and the final loss and
writes the fitted parameters (threatlab's layout) as raw float64.
Run with Debian's /usr/bin/python3 (python3-torch)."""

import json
import sys
import time

import numpy as np
import torch
from torch_threads import use_threads


def main():
    spec = json.loads(sys.argv[1])
    use_threads(torch, 1)
    folder, n, d, h, c = spec["folder"], spec["rows"], spec["cols"], spec["hidden"], spec["classes"]
    x = torch.from_numpy(np.fromfile(f"{folder}/x.f64").reshape(n, d))
    p = torch.from_numpy(np.fromfile(f"{folder}/p.f64").reshape(n, c))
    theta0 = np.fromfile(f"{folder}/theta0.f64")
    logp = torch.log(p)
    t = logp - logp.mean(dim=1, keepdim=True)
    w1 = torch.tensor(theta0[: d * h].reshape(d, h), requires_grad=True)
    b1 = torch.tensor(theta0[d * h : (d + 1) * h], requires_grad=True)
    rest = theta0[(d + 1) * h :]
    w2 = torch.tensor(rest[: h * c].reshape(h, c), requires_grad=True)
    b2 = torch.tensor(rest[h * c :], requires_grad=True)
    l2 = spec["l2"]
    optimizer = torch.optim.LBFGS([w1, b1, w2, b2], lr=1, max_iter=spec["iterations"], history_size=20,
                                  tolerance_grad=1e-10, tolerance_change=1e-16, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        z = torch.tanh(x @ w1 + b1) @ w2 + b2
        s = z - z.mean(dim=1, keepdim=True)
        loss = ((s - t) ** 2).sum() / (2 * n) + l2 / 2 * ((w1 ** 2).sum() + (w2 ** 2).sum())
        loss.backward()
        return loss

    start = time.perf_counter()
    optimizer.step(closure)
    seconds = time.perf_counter() - start
    loss = float(closure())
    state = optimizer.state[optimizer._params[0]]
    params = np.concatenate([w1.detach().numpy().ravel(), b1.detach().numpy(), w2.detach().numpy().ravel(), b2.detach().numpy()])
    params.tofile(f"{folder}/theta.f64")
    print(json.dumps({"peer": "PyTorch float64 L-BFGS (strong Wolfe)", "version": f"torch {torch.__version__}", "seconds": seconds,
                      "loss": loss, "iterations": int(state.get("n_iter", 0)), "evaluations": int(state.get("func_evals", 0))}))


if __name__ == "__main__":
    main()
