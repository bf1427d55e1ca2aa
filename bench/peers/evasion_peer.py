"""PyTorch doing the same white-box evasion steps as threatlab's bench/evasion.bench.ts: FGSM and
PGD (L-infinity, random start, 40 steps of 2.5 eps / 40) and Carlini & Wagner's L2 attack (threatlab's
settings: 6 binary steps on c from 1, 300 Adam steps at 0.05 with tfjs's epsilon 1e-7, kappa 0, the
early abort every 30 steps, each step's image judged from the forward pass that gives its gradient)
and DeepFool (L2, overshoot 0.02, at most 50 iterations, the linearisation on the coordinates free
to move in the box, every class's gradient by one backward pass a class)
on the same model (read from the threatlab model file: an MLP or the CNN) and the same rows, pixels
in [0, 1], float32, one thread, timed per example.

    /usr/bin/python3 bench/peers/evasion_peer.py '{"model": "m.json", "x": "x.f64", "y": "y.i32", "cols": 784, "eps": 0.3, "steps": 40}'
"""

import json
import sys
import time

import numpy as np
import torch
from torch_threads import use_threads
import torch.nn.functional as F
from threatlab_torch import network


def main():
    spec = json.loads(sys.argv[1])
    use_threads(torch, 1)
    torch.manual_seed(0)
    with open(spec["model"]) as f:
        described = json.load(f)
    forward = network(described, np.float32, probabilities=False)
    # The float64 model, which threatlab's runWhiteBox checks each run's rows on (outside its attack time).
    forward64 = network(described, np.float64, probabilities=True)
    x0 = torch.tensor(np.fromfile(spec["x"], dtype=np.float64).reshape(-1, spec["cols"]).astype(np.float32))
    y = torch.tensor(np.fromfile(spec["y"], dtype=np.int32).astype(np.int64))
    eps, steps = spec["eps"], spec["steps"]

    def gradient(x):
        x = x.clone().requires_grad_(True)
        loss = F.cross_entropy(forward(x), y, reduction="sum")
        (g,) = torch.autograd.grad(loss, x)
        return g

    out = {"peer": f"torch {torch.__version__} (1 thread)", "rows": int(x0.shape[0])}

    def run_fgsm():
        return (x0 + eps * gradient(x0).sign()).clamp(0, 1)

    def run_pgd():
        x = (x0 + torch.empty_like(x0).uniform_(-eps, eps)).clamp(0, 1)
        step = 2.5 * eps / steps
        for _ in range(steps):
            x = x + step * gradient(x).sign()
            x = torch.min(torch.max(x, x0 - eps), x0 + eps).clamp(0, 1)
        return x

    def run_cw(binary_steps=6, steps=300, rate=0.05):
        n = x0.shape[0]
        aim = F.one_hot(y, forward(x0[:1]).shape[1]).float()
        start = torch.atanh(torch.clamp(2 * x0 - 1, -0.999999, 0.999999))
        best, best_d = x0.clone(), torch.full((n,), float("inf"))
        low_c, high_c, consts = np.zeros(n), np.full(n, np.inf), np.ones(n)
        for _ in range(binary_steps):
            w = start.clone().requires_grad_(True)
            optimizer = torch.optim.Adam([w], lr=rate, eps=1e-7)
            c = torch.tensor(consts, dtype=torch.float32)
            succeeded = torch.zeros(n, dtype=torch.bool)
            previous = float("inf")
            for step in range(steps):
                image = (torch.tanh(w) + 1) / 2
                z = forward(image)
                margin = (z * aim).sum(1) - (z - aim * 1e9).max(1).values
                d2 = ((image - x0) ** 2).sum(1)
                loss = (d2 + c * torch.clamp(margin, min=0)).sum()
                optimizer.zero_grad()
                loss.backward()
                with torch.no_grad():
                    met = margin < 0
                    better = met & (d2 < best_d)
                    best[better] = image[better]
                    best_d[better] = d2[better]
                    succeeded |= met
                optimizer.step()
                if step % (steps // 10) == 0:
                    if loss.item() > previous * 0.9999:
                        break
                    previous = loss.item()
            done = succeeded.numpy()
            high_c = np.where(done, np.minimum(high_c, consts), high_c)
            low_c = np.where(done, low_c, np.maximum(low_c, consts))
            consts = np.where(done | np.isfinite(high_c), (low_c + high_c) / 2, consts * 10)
        return best

    def run_deepfool(overshoot=0.02, max_iterations=50):
        n = x0.shape[0]
        current, total = x0.clone(), torch.zeros_like(x0)
        active = torch.ones(n, dtype=torch.bool)
        rows = torch.arange(n)
        for _ in range(max_iterations):
            x = current.clone().requires_grad_(True)
            z = forward(x)
            classes = z.shape[1]
            jacobian = torch.stack([torch.autograd.grad(z[:, k].sum(), x, retain_graph=k < classes - 1)[0] for k in range(classes)], 1)
            z = z.detach()
            predicted = z.argmax(1)
            active &= predicted == y
            if not active.any():
                break
            w = jacobian - jacobian[rows, predicted].unsqueeze(1)
            at = current.unsqueeze(1)
            w = torch.where(((w < 0) & (at <= 0)) | ((w > 0) & (at >= 1)), torch.zeros_like(w), w)
            f = z - z[rows, predicted].unsqueeze(1)
            norm2 = (w ** 2).sum(2)
            ratio = f.abs() / torch.sqrt(norm2 + 1e-20)
            ratio[rows, predicted] = float("inf")
            best = ratio.argmin(1)
            step = ((f[rows, best].abs() + 1e-4) / (norm2[rows, best] + 1e-20)).unsqueeze(1) * w[rows, best]
            total[active] += step[active]
            current[active] = (x0[active] + (1 + overshoot) * total[active]).clamp(0, 1)
        return current

    x64 = x0.double()

    def check(adversarial):
        """What threatlab's runWhiteBox does with a run's rows after its attack's steps, outside its
        attack time: the rows in float64 on the float64 model (its labels) and each row's L0, L2 and
        L-infinity distance from its input."""
        with torch.no_grad():
            rows = adversarial.double().clamp(0, 1)
            labels = forward64(rows).argmax(1)
            delta = rows - x64
            return labels, (delta != 0).sum(1), (delta ** 2).sum(1).sqrt(), delta.abs().amax(1)

    # The first run of each in the process; then `repeats` more, each after the check of the run
    # before it, as threatlab's runWhiteBox runs follow each other; then one more and `repeats` back to
    # back — in the order threatlab's bench runs its own (its further runWhiteBox runs, then its
    # back-to-back loop, whose first run is not timed), so that each figure comes from the same
    # places in the process on both sides.
    repeats = spec.get("repeats", 3)
    for name, attack in (("fgsm", run_fgsm), ("pgd", run_pgd)):
        started = time.perf_counter()
        result = attack()
        times = [(time.perf_counter() - started) / x0.shape[0]]
        checked = []
        for _ in range(repeats):
            check(result)
            started = time.perf_counter()
            result = attack()
            checked.append((time.perf_counter() - started) / x0.shape[0])
        for k in range(1 + repeats):
            started = time.perf_counter()
            result = attack()
            if k > 0:
                times.append((time.perf_counter() - started) / x0.shape[0])
        out[f"{name}SecondsPerExample"] = times[0]
        out[f"{name}WarmSecondsPerExample"] = float(np.median(times[1:])) if len(times) > 1 else times[0]
        out[f"{name}CheckedSecondsPerExample"] = float(np.median(checked)) if checked else out[f"{name}WarmSecondsPerExample"]
        if name == "fgsm":
            fgsm = result
        else:
            x = result
    # C&W once (as threatlab's bench runs it), then DeepFool as FGSM and PGD, after the other attacks.
    started = time.perf_counter()
    cw = run_cw()
    out["cwSecondsPerExample"] = (time.perf_counter() - started) / x0.shape[0]
    times = []
    for _ in range(1 + spec.get("repeats", 3)):
        started = time.perf_counter()
        deepfool = run_deepfool()
        times.append((time.perf_counter() - started) / x0.shape[0])
    out["deepfoolSecondsPerExample"] = times[0]
    out["deepfoolWarmSecondsPerExample"] = float(np.median(times[1:])) if len(times) > 1 else times[0]
    with torch.no_grad():
        clean = forward(x0).argmax(1) == y
        out["cwAccuracy"] = float((forward(cw).argmax(1) == y).float().mean())
        out["cwMedianL2"] = float(torch.median(((cw - x0) ** 2).sum(1).sqrt()))
        out["deepfoolAccuracy"] = float((forward(deepfool).argmax(1) == y).float().mean())
        out["deepfoolMedianL2"] = float(torch.median(((deepfool - x0) ** 2).sum(1).sqrt()))
        out["fgsmAccuracy"] = float((forward(fgsm).argmax(1) == y).float().mean())
        out["pgdAccuracy"] = float((forward(x).argmax(1) == y).float().mean())
        out["cleanAccuracy"] = float(clean.float().mean())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
