"""Independent reference values for threatlab's Rényi-DP accountant (src/defenses/dp-sgd/accountant.ts).

A_alpha of the Poisson-sampled Gaussian mechanism, by its definition (Mironov, Talwar and Zhang
2019, Def. 3 / Eq. 3): A_alpha = E_{z ~ N(0, s^2)} [((1 - q) + q * N(z; 1, s^2) / N(z; 0, s^2))^alpha],
integrated numerically with SciPy's adaptive quadrature in log space. It shares no code or series
with the accountant, which sums the binomial expansion / the erfc series instead.

Run: /usr/bin/python3 tools/dp_rdp_reference.py > test/fixtures/defenses/rdp-reference.json
(Debian: apt-get install -y python3-scipy)
"""
import json
import math

import numpy as np
from scipy import integrate, optimize

CASES = [
    # (q, sigma, alpha)
    (0.01, 4.0, 2), (0.01, 4.0, 8), (0.01, 4.0, 32), (0.01, 4.0, 2.5), (0.01, 4.0, 11.7),
    (256 / 60000, 1.1, 2), (256 / 60000, 1.1, 6.3), (256 / 60000, 1.1, 16), (256 / 60000, 1.1, 1.5),
    (0.05, 2.0, 3), (0.05, 2.0, 4.4), (0.05, 2.0, 20),
    (0.1, 1.0, 2), (0.1, 1.0, 3.5), (0.1, 1.0, 10),
    (0.3, 0.8, 2.2), (0.3, 0.8, 5),
]


def log_integrand(z, q, s, alpha):
    log_n0 = -z * z / (2 * s * s) - math.log(s * math.sqrt(2 * math.pi))
    log_ratio = (2 * z - 1) / (2 * s * s)
    # log((1 - q) + q * e^r) without overflow
    a, b = math.log1p(-q), math.log(q) + log_ratio
    hi = max(a, b)
    return log_n0 + alpha * (hi + math.log1p(math.exp(min(a, b) - hi)))


def log_a(q, s, alpha):
    peak = optimize.minimize_scalar(lambda z: -log_integrand(z, q, s, alpha), bounds=(-50 * s, 50 * s + alpha), method='bounded')
    z_star, top = peak.x, -peak.fun
    f = lambda z: math.exp(log_integrand(z, q, s, alpha) - top)
    width = 40 * s
    pieces = [z_star - width, z_star - 5 * s, z_star, z_star + 5 * s, z_star + width]
    total = sum(integrate.quad(f, pieces[k], pieces[k + 1], epsabs=0, epsrel=1e-12, limit=400)[0] for k in range(4))
    return top + math.log(total)


print(json.dumps({
    'source': 'tools/dp_rdp_reference.py (SciPy quad of the definition of A_alpha)',
    'cases': [{'q': q, 'sigma': s, 'alpha': a, 'logA': log_a(q, s, a)} for q, s, a in CASES],
}, indent=1))
