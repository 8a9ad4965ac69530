"""The Gaussian process: analytic gradients, interpolation, uncertainty, EI."""
from __future__ import annotations

import numpy as np
from scipy import optimize

from py_tracker.sweeps import gp as gpmod
from py_tracker.sweeps.gp import GaussianProcess, expected_improvement, single_thread_blas


def test_marginal_likelihood_gradient_matches_finite_differences(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.random((25, 3))
    y = np.sin(5 * X[:, 0]) + X[:, 1] ** 2
    y = (y - y.mean()) / y.std()
    captured = {}
    real = optimize.minimize

    def spy(f, x0, jac, **kw):
        captured["f"] = f
        return real(f, x0, jac=jac, **kw)
    monkeypatch.setattr(gpmod.optimize, "minimize", spy)
    GaussianProcess()._optimize(X, y, 3)
    f = captured["f"]
    th = np.array([-1.0, -0.5, 0.2, 0.3, np.log(1e-2)])
    _, grad = f(th)
    num = np.array([(f(th + e)[0] - f(th - e)[0]) / 2e-6 for e in np.eye(5) * 1e-6])
    assert np.allclose(grad, num, rtol=1e-4, atol=1e-5)


def test_fit_interpolates_and_is_uncertain_far_away():
    X = np.linspace(0, 0.5, 8)[:, None]
    y = np.sin(6 * X[:, 0])
    with single_thread_blas():
        gp = GaussianProcess().fit(X, y)
        mu, sd = gp.predict(np.array([[0.25], [1.0]]))
    assert abs(mu[0] - np.sin(1.5)) < 0.05
    assert sd[1] > 5 * sd[0]


def test_expected_improvement():
    ei = expected_improvement(np.array([0.0, 1.0, 0.0]), np.array([1e-9, 1e-9, 1.0]), best=0.5)
    assert ei[0] > 0.49 and ei[1] < 1e-9 and ei[2] > ei[0]
