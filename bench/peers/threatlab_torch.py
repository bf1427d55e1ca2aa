"""A threatlab model file (an MLP or the CNN) as a PyTorch function, for the peers that run the same
network as threatlab: bench/peers/evasion_peer.py (float32 scores) and inference_peer.py (float64
probabilities)."""

import numpy as np
import torch
import torch.nn.functional as F

ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda v: v, "softmax": lambda v: torch.softmax(v, 1)}


def network(model, dtype, probabilities):
    """The model's forward pass as a torch function of a (rows x cols) tensor of `dtype`: the last
    layer's activation applied when `probabilities`, else its scores before it."""
    def dense(layers):
        params = [(torch.tensor(np.array(l["weights"], dtype=dtype).reshape(l["inputs"], l["outputs"])), torch.tensor(np.array(l["biases"], dtype=dtype)), l["activation"]) for l in layers]

        def run(h):
            for i, (w, b, activation) in enumerate(params):
                h = h @ w + b
                if i < len(params) - 1 or probabilities:
                    h = ACTIVATIONS[activation](h)
            return h
        return run

    if model["kind"] == "mlp":
        return dense(model["layers"])
    if model["kind"] == "cnn":
        image = model["image"]
        convs = []
        for block in model["convolutions"]:
            k, cin, cout = block["kernelSize"], block["inputChannels"], block["filters"]
            w = np.array(block["weights"], dtype=dtype).reshape(k, k, cin, cout).transpose(3, 2, 0, 1)  # tfjs [kh,kw,in,out] -> torch [out,in,kh,kw]
            convs.append((torch.tensor(np.ascontiguousarray(w)), torch.tensor(np.array(block["biases"], dtype=dtype))))
        head = dense(model["dense"])

        def run(x):
            h = x.reshape(-1, image["height"], image["width"], image["channels"]).permute(0, 3, 1, 2)
            for w, b in convs:
                h = F.max_pool2d(torch.relu(F.conv2d(h, w, b)), 2)
            return head(h.permute(0, 2, 3, 1).reshape(h.shape[0], -1))  # flattened in threatlab's NHWC order
        return run
    raise ValueError(f"unsupported model kind {model['kind']}")
