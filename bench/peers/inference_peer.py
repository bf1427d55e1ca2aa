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
import torch.nn.functional as F


def build(model):
    """The model's probabilities as a torch function of a (rows x cols) float64 tensor."""
    def dense(layers):
        params = [(torch.tensor(np.array(l["weights"], dtype=np.float64).reshape(l["inputs"], l["outputs"])), torch.tensor(np.array(l["biases"], dtype=np.float64)), l["activation"]) for l in layers]
        activations = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda v: v, "softmax": lambda v: torch.softmax(v, 1)}

        def run(h):
            for w, b, activation in params:
                h = activations[activation](h @ w + b)
            return h
        return run

    if model["kind"] == "mlp":
        return dense(model["layers"])
    if model["kind"] == "cnn":
        image = model["image"]
        convs = []
        for block in model["convolutions"]:
            k, cin, cout = block["kernelSize"], block["inputChannels"], block["filters"]
            w = np.array(block["weights"], dtype=np.float64).reshape(k, k, cin, cout).transpose(3, 2, 0, 1)  # tfjs [kh,kw,in,out] -> torch [out,in,kh,kw]
            convs.append((torch.tensor(np.ascontiguousarray(w)), torch.tensor(np.array(block["biases"], dtype=np.float64))))
        head = dense(model["dense"])

        def run(x):
            h = x.reshape(-1, image["height"], image["width"], image["channels"]).permute(0, 3, 1, 2)
            for w, b in convs:
                h = F.max_pool2d(torch.relu(F.conv2d(h, w, b)), 2)
            return head(h.permute(0, 2, 3, 1).reshape(h.shape[0], -1))  # flattened in threatlab's NHWC order
        return run
    raise ValueError(f"unsupported model kind {model['kind']}")


def main():
    spec = json.loads(sys.argv[1])
    torch.set_num_threads(1)
    with open(spec["model"]) as f:
        forward = build(json.load(f))
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
