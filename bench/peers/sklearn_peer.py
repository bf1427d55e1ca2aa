"""Peer side of threatlab's benchmarks: fits scikit-learn / PyTorch models on the exact split
threatlab used (read from raw float64 files) and prints one JSON line of timings and accuracies.
Run with Debian's /usr/bin/python3 (python3-sklearn, python3-torch, python3-numpy)."""

import json
import os
import sys
import time

import numpy as np


def load(folder, name, rows, cols=None, dtype=np.float64):
    data = np.fromfile(f"{folder}/{name}", dtype=dtype)
    return data.reshape(rows, cols) if cols else data


def accuracy(model, x, y):
    return float((model.predict(x) == y).mean())


def blas_info():
    """Which BLAS the peer ran: threadpoolctl's view (scikit-learn), else PyTorch's build setting."""
    try:
        from threadpoolctl import threadpool_info

        pools = [f"{p.get('internal_api')} {p.get('version')} {p.get('architecture', '')} ({p.get('num_threads')} threads)" for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            return "; ".join(pools)
    except ImportError:
        pass
    try:
        import torch

        settings = [part.strip() for part in torch.__config__.show().replace("\n", ",").split(",") if "BLAS_INFO" in part]
        return settings[0] if settings else "unknown"
    except ImportError:
        return "unknown"


def malicious_penalty(spec, net, torch):
    """Song et al. (CCS 2017): the loss term of correlated-value or sign encoding on the leading
    weights, laid out input-major as threatlab lays them (torch keeps Linear weights output-major)."""
    attack = spec.get("malicious")
    if attack is None:
        return None
    values = np.fromfile(os.path.join(spec.get("secretFolder", spec["folder"]), "secret.u8"), dtype=np.uint8).astype(np.float32)
    weights = [m.weight for m in net if isinstance(m, torch.nn.Linear)]
    if attack == "sign":
        bits = np.unpackbits(values.astype(np.uint8)).astype(np.float32)
        signs = torch.tensor(bits * 2 - 1)
        count = len(bits)
    else:
        centred = values - values.mean()
        secret = torch.tensor(centred / np.linalg.norm(centred))
        count = len(values)
    lam = spec["lambda"]

    def leading():
        return torch.cat([w.t().reshape(-1) for w in weights])[:count]

    def sign_term():
        return lam * torch.relu(-leading() * signs).mean()

    def correlation_term():
        theta = leading()
        deviation = theta - theta.mean()
        return -lam * (deviation * secret).sum() / (deviation.norm() + 1e-12)

    return sign_term if attack == "sign" else correlation_term


def pgd_examples(torch, net, loss_fn, xb, yb, adversarial, lower, upper):
    """Madry et al.'s PGD examples of a batch as threatlab's adversary makes them (its
    defenses/adversarial-training.ts): the ball of radius eps clipped to the box [lower, upper] (each
    column's range over the rows), a uniform start in it, `steps` steps of 2.5 eps / steps along the
    cross-entropy gradient's sign, each clipped to the ball and box."""
    eps, steps = adversarial["epsilon"], adversarial["steps"]
    alpha = 2.5 * eps / steps
    low, high = torch.max(xb - eps, lower), torch.min(xb + eps, upper)
    xa = torch.min(torch.max(xb + (torch.rand_like(xb) * 2 - 1) * eps, low), high)
    for _ in range(steps):
        xa.requires_grad_(True)
        gradient, = torch.autograd.grad(loss_fn(net(xa), yb), xa)
        xa = torch.min(torch.max(xa.detach() + alpha * gradient.sign(), low), high)
    return xa.detach()


def train_epochs(torch, net, optimizer, loss_fn, x, y, batch, epochs, adversarial=None, penalty=None):
    """Adam's loop over shuffled batches: each batch replaced by its PGD examples with `adversarial`
    (the box each column's range over the rows), `penalty()` added to each batch's loss where given."""
    if adversarial:
        lower, upper = x.min(0).values, x.max(0).values
    for _ in range(epochs):
        order = torch.randperm(len(x))
        for i in range(0, len(x), batch):
            index = order[i:i + batch]
            xb = pgd_examples(torch, net, loss_fn, x[index], y[index], adversarial, lower, upper) if adversarial else x[index]
            optimizer.zero_grad()
            loss = loss_fn(net(xb), y[index])
            if penalty is not None:
                loss = loss + penalty()
            loss.backward()
            optimizer.step()


def timed_fits(make, xtr, ytr, repeats):
    """The first fit's seconds and model, and the median of `repeats` further fits (warm: the
    imports, caches and allocator already used, as in a process that fits many models)."""
    model = make()
    start = time.perf_counter()
    model.fit(xtr, ytr)
    first = time.perf_counter() - start
    again = []
    for _ in range(repeats):
        other = make()
        start = time.perf_counter()
        other.fit(xtr, ytr)
        again.append(time.perf_counter() - start)
    return model, first, (float(np.median(again)) if again else None)


def main():
    spec = json.loads(sys.argv[1])
    folder = spec["folder"]
    xtr = load(folder, "x_train.f64", spec["trainRows"], spec["cols"])
    ytr = load(folder, "y_train.i32", spec["trainRows"], dtype=np.int32)
    xte = load(folder, "x_test.f64", spec["testRows"], spec["cols"])
    yte = load(folder, "y_test.i32", spec["testRows"], dtype=np.int32)
    kind = spec["model"]
    result = {"peer": kind}
    if kind in ("softmax", "logistic", "ovr"):
        from sklearn.linear_model import LogisticRegression
        import sklearn
        multi = "ovr" if kind == "ovr" else "multinomial"
        make = lambda: LogisticRegression(C=1.0 / spec.get("l2", 1.0), max_iter=spec.get("maxIter", 1000), multi_class=multi, solver="lbfgs")
        model, first, warm = timed_fits(make, xtr, ytr, spec.get("repeats", 0))
        result.update(fitSeconds=first, warmFitSeconds=warm, iterations=int(np.max(model.n_iter_)), version=f"scikit-learn {sklearn.__version__}")
    elif kind == "tree":
        from sklearn.tree import DecisionTreeClassifier
        import sklearn
        make = lambda: DecisionTreeClassifier(criterion="gini", max_depth=spec.get("maxDepth"), random_state=0)
        model, first, warm = timed_fits(make, xtr, ytr, spec.get("repeats", 0))
        result.update(fitSeconds=first, warmFitSeconds=warm, leaves=int(model.get_n_leaves()), version=f"scikit-learn {sklearn.__version__}")
    elif kind == "mlp-sklearn":
        from sklearn.neural_network import MLPClassifier
        import sklearn
        model = MLPClassifier(hidden_layer_sizes=tuple(spec["hidden"]), activation=spec.get("activation", "relu"), solver="adam",
                              batch_size=spec["batchSize"], max_iter=spec["epochs"], learning_rate_init=spec.get("learningRate", 0.001),
                              alpha=0.0, random_state=0, n_iter_no_change=spec["epochs"], tol=0.0)
        start = time.perf_counter()
        model.fit(xtr, ytr)
        result.update(fitSeconds=time.perf_counter() - start, iterations=int(model.n_iter_), version=f"scikit-learn {sklearn.__version__}")
    elif kind == "mlp-torch":
        import torch
        from torch_threads import use_threads
        threads = spec.get("threads", 1)
        use_threads(torch, threads)
        # Subnormal floats (Adam's second moments) slow this CPU's float arithmetic several times;
        # flushing them is PyTorch's own switch, run as a second peer so ours meets PyTorch's best.
        flush = bool(spec.get("flushDenormal", False)) and torch.set_flush_denormal(True)
        torch.manual_seed(0)
        hidden = spec["hidden"]
        layers = []
        widths = [spec["cols"]] + hidden
        for a, b in zip(widths[:-1], widths[1:]):
            layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
        layers.append(torch.nn.Linear(widths[-1], int(ytr.max()) + 1))
        net = torch.nn.Sequential(*layers)
        optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
        loss_fn = torch.nn.CrossEntropyLoss()
        batch = spec["batchSize"]
        penalty = malicious_penalty(spec, net, torch)
        # `fromRows`: timed from the float64 rows in memory, as threatlab's fit is (the float32
        # tensors made inside the timer); `synthetic`: capacity abuse's synthetic rows generated
        # (numpy's generator, the same count, density and range) and appended inside it too.
        from_rows = bool(spec.get("fromRows", False))
        if not from_rows:
            x = torch.tensor(xtr, dtype=torch.float32)
            y = torch.tensor(ytr, dtype=torch.long)
        start = time.perf_counter()
        if from_rows:
            rows, labels = xtr, ytr
            extra = spec.get("synthetic")
            if extra:
                coins = np.random.default_rng(extra["seed"]).random((extra["rows"], xtr.shape[1]))
                synthetic = np.where(coins < extra["density"], extra["high"], extra["low"])
                rows = np.concatenate([xtr, synthetic])
                labels = np.concatenate([ytr, np.fromfile(os.path.join(spec["secretFolder"], "synthetic_labels.i32"), dtype=np.int32)])
            x = torch.tensor(rows, dtype=torch.float32)
            y = torch.tensor(labels, dtype=torch.long)
            ytr = labels
        # `adversarial`: Madry et al.'s PGD training, each batch's examples as threatlab's adversary makes them (pgd_examples).
        train_epochs(torch, net, optimizer, loss_fn, x, y, batch, spec["epochs"], spec.get("adversarial"), penalty)
        seconds = time.perf_counter() - start
        with torch.no_grad():
            test_accuracy = float((net(torch.tensor(xte, dtype=torch.float32)).argmax(1).numpy() == yte).mean())
            train_accuracy = float((net(x).argmax(1).numpy() == ytr).mean())
        setting = f"{threads} thread{'s' if threads > 1 else ''}{', subnormals flushed' if flush else ''}"
        print(json.dumps({"peer": kind, "fitSeconds": seconds, "examplesPerSecond": spec["epochs"] * len(x) / seconds, "trainAccuracy": train_accuracy, "testAccuracy": test_accuracy, "version": f"PyTorch {torch.__version__} ({setting})", "blas": blas_info()}))
        return
    elif kind == "cnn-torch":
        # threatlab's CNN (cnn.ts): blocks of 3x3 valid convolution, relu and 2x2 max-pooling, a
        # dense relu layer, softmax scores; Adam (lr 0.001), the rows' float32 tensors made
        # before the timer, then the median of further runs each with a fresh network.
        import torch
        from torch_threads import use_threads
        threads = spec.get("threads", 1)
        use_threads(torch, threads)
        flush = bool(spec.get("flushDenormal", False)) and torch.set_flush_denormal(True)
        torch.manual_seed(0)
        height, width, channels = spec["image"]
        x = torch.tensor(xtr.reshape(-1, height, width, channels), dtype=torch.float32).permute(0, 3, 1, 2).contiguous()
        y = torch.tensor(ytr, dtype=torch.long)
        xt = torch.tensor(xte.reshape(-1, height, width, channels), dtype=torch.float32).permute(0, 3, 1, 2).contiguous()
        batch = spec["batchSize"]

        def make():
            layers, chans, h, w = [], channels, height, width
            for filters in spec["filters"]:
                layers += [torch.nn.Conv2d(chans, filters, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
                chans, h, w = filters, (h - 2) // 2, (w - 2) // 2
            layers += [torch.nn.Flatten(), torch.nn.Linear(chans * h * w, spec["hidden"]), torch.nn.ReLU(), torch.nn.Linear(spec["hidden"], int(ytr.max()) + 1)]
            return torch.nn.Sequential(*layers)

        # `adversarial`: Madry et al.'s PGD training, as the MLP peer's (pgd_examples).
        adversarial = spec.get("adversarial")

        def fit():
            net = make()
            optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
            loss_fn = torch.nn.CrossEntropyLoss()
            start = time.perf_counter()
            train_epochs(torch, net, optimizer, loss_fn, x, y, batch, spec["epochs"], adversarial)
            return net, time.perf_counter() - start

        net, first = fit()
        again = [fit()[1] for _ in range(spec.get("repeats", 0))]
        with torch.no_grad():
            test_accuracy = float((net(xt).argmax(1).numpy() == yte).mean())
            train_accuracy = float((net(x).argmax(1).numpy() == ytr).mean())
        setting = f"{threads} thread{'s' if threads > 1 else ''}{', subnormals flushed' if flush else ''}"
        print(json.dumps({"peer": kind, "fitSeconds": first, "warmFitSeconds": float(np.median(again)) if again else None, "examplesPerSecond": spec["epochs"] * len(x) / first, "trainAccuracy": train_accuracy, "testAccuracy": test_accuracy, "version": f"PyTorch {torch.__version__} ({setting})", "blas": blas_info()}))
        return
    else:
        raise SystemExit(f"unknown peer model {kind}")
    result.update(trainAccuracy=accuracy(model, xtr, ytr), testAccuracy=accuracy(model, xte, yte))
    result["blas"] = blas_info()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
