"""Reference W statistics for threatlab's Shapiro-Wilk (src/defenses/extraction-monitor/shapiro-wilk.ts).

Run: /usr/bin/python3 tools/shapiro_reference.py > test/fixtures/defenses/shapiro-reference.json
(Debian: apt-get install -y python3-scipy). Samples are drawn here with a fixed seed and stored
with SciPy's W, so the test needs no Python.
"""
import json

import numpy as np
from scipy import stats

rng = np.random.default_rng(20190617)
samples = {
    'normal-20': rng.normal(size=20),
    'normal-300': rng.normal(3, 2, size=300),
    'uniform-50': rng.uniform(size=50),
    'exponential-200': rng.exponential(size=200),
    'bimodal-500': np.concatenate([rng.normal(0, 1, 250), rng.normal(6, 1, 250)]),
    'small-5': rng.normal(size=5),
    'small-4': rng.normal(size=4),
    'three': np.array([1.0, 2.0, 4.0]),
    'lognormal-2000': rng.lognormal(size=2000),
}
print(json.dumps({'source': 'scipy.stats.shapiro ' + __import__('scipy').__version__,
                  'samples': [{'name': k, 'values': v.tolist(), 'W': float(stats.shapiro(v).statistic)} for k, v in samples.items()]}))
