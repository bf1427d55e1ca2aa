"""Renders the same ROC chart as threatlab's report (log-scale axes, one step curve per policy and
the chance diagonal) to SVG with matplotlib, `repeats` times; prints the mean milliseconds per chart.

    /usr/bin/python3 bench/peers/matplotlib_roc.py curves.json repeats
"""

import io
import json
import sys
import time

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402


def render(curves):
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    for name, points in curves.items():
        ax.step([p[0] for p in points], [p[1] for p in points], where="post", label=name)
    ax.plot([1e-3, 1], [1e-3, 1], "--", color="grey")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(loc="lower right")
    out = io.StringIO()
    fig.savefig(out, format="svg")
    plt.close(fig)
    return out.getvalue()


curves = json.load(open(sys.argv[1]))
repeats = int(sys.argv[2])
render(curves)
start = time.perf_counter()
for _ in range(repeats):
    svg = render(curves)
elapsed = time.perf_counter() - start
print(json.dumps({"peer": f"matplotlib {matplotlib.__version__}", "msPerChart": 1000 * elapsed / repeats, "bytes": len(svg)}))
