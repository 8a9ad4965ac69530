"""A small Gaussian process (Matern 5/2, ARD) in numpy/scipy, for the bayes strategy.

Inputs live in the unit cube; targets are minimized. Hyperparameters (one length scale
per dimension, signal variance, noise) maximize the marginal likelihood with analytic
gradients and gentle priors, fitted on at most `FIT_POINTS` points (the best and the most
recent) so that a suggestion at 200 finished trials stays well under 100 ms; the
posterior itself uses every point.
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

import numpy as np
from scipy import linalg, optimize, special

FIT_POINTS = 64
_SQRT5 = np.sqrt(5.0)
_LOG_L0 = np.log(0.3)


def _matern(d2: np.ndarray, ls: np.ndarray, s2: float) -> tuple[np.ndarray, np.ndarray]:
    """Kernel matrix and the common factor of its length-scale derivatives.

    d2: (..., d) squared differences per dimension. Returns (K, G) where
    dK/dlog(l_j) = G * d2[..., j] / l_j**2.
    """
    r2 = (d2 / ls**2).sum(-1)
    r = np.sqrt(np.maximum(r2, 0.0))
    e = np.exp(-_SQRT5 * r)
    k = s2 * (1.0 + _SQRT5 * r + 5.0 / 3.0 * r2) * e
    g = s2 * (5.0 / 3.0) * (1.0 + _SQRT5 * r) * e
    return k, g


_controller: Any = None


@contextlib.contextmanager
def single_thread_blas() -> Iterator[None]:
    """Run small linear algebra on one BLAS thread.

    With OpenBLAS's default threads, a 64x64 solve took ~3 ms instead of ~0.05 ms whenever
    other threads were busy (the agent's watcher, a run's flusher, other processes on two
    cores): a suggestion at 200 trials went from ~70 ms to ~350 ms. Uses threadpoolctl
    when present (it ships with scikit-learn); otherwise does nothing.
    """
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController
            _controller = ThreadpoolController()
        except Exception:  # not installed, or a BLAS it cannot drive
            _controller = False
    if not _controller:
        yield
        return
    with _controller.limit(limits=1, user_api="blas"):
        yield


def _kernel(A: np.ndarray, B: np.ndarray, ls: np.ndarray, s2: float) -> np.ndarray:
    """Matern 5/2 between the rows of A and B (fast form, no per-dimension tensor)."""
    A, B = A / ls, B / ls
    r2 = np.maximum((A**2).sum(1)[:, None] + (B**2).sum(1)[None, :] - 2 * A @ B.T, 0.0)
    r = np.sqrt(r2)
    return s2 * (1.0 + _SQRT5 * r + 5.0 / 3.0 * r2) * np.exp(-_SQRT5 * r)


def _sqdiff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a[:, None, :] - b[None, :, :]) ** 2


class GaussianProcess:
    """Fit with `fit(X, y)` (y minimized, any scale), predict with `predict(Xs) -> (mu, sd)`."""

    def fit(self, X: np.ndarray, y: np.ndarray) -> "GaussianProcess":
        self.X = np.asarray(X, float)
        y = np.asarray(y, float)
        self.y_mean = float(y.mean())
        self.y_std = float(y.std()) or 1.0
        self.y = (y - self.y_mean) / self.y_std
        n, d = self.X.shape
        idx = self._fit_subset()
        self.theta = self._optimize(self.X[idx], self.y[idx], d)
        ls, s2, noise = self._unpack(self.theta, d)
        K = _kernel(self.X, self.X, ls, s2)
        K[np.diag_indices(n)] += noise + 1e-9
        self.L = linalg.cholesky(K, lower=True)
        self.alpha = linalg.cho_solve((self.L, True), self.y)
        return self

    def _fit_subset(self) -> np.ndarray:
        n = len(self.y)
        if n <= FIT_POINTS:
            return np.arange(n)
        half = FIT_POINTS // 2
        best = np.argsort(self.y)[:half]
        recent = np.arange(n - half, n)
        return np.unique(np.concatenate([best, recent]))

    @staticmethod
    def _unpack(theta: np.ndarray, d: int) -> tuple[np.ndarray, float, float]:
        return np.exp(theta[:d]), float(np.exp(theta[d])), float(np.exp(theta[d + 1]))

    def _optimize(self, X: np.ndarray, y: np.ndarray, d: int) -> np.ndarray:
        D2 = _sqdiff(X, X)
        n = len(y)

        def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
            ls, s2, noise = self._unpack(theta, d)
            K, G = _matern(D2, ls, s2)
            Kf = K.copy()
            K[np.diag_indices(n)] += noise + 1e-9
            try:
                L = linalg.cholesky(K, lower=True)
            except linalg.LinAlgError:
                return 1e10, np.zeros_like(theta)
            alpha = linalg.cho_solve((L, True), y)
            Kinv = linalg.cho_solve((L, True), np.eye(n))
            W = np.outer(alpha, alpha) - Kinv
            val = 0.5 * y @ alpha + np.log(np.diag(L)).sum()
            grad = np.empty_like(theta)
            for j in range(d):
                grad[j] = -0.5 * np.sum(W * G * D2[..., j]) / ls[j] ** 2
            grad[d] = -0.5 * np.sum(W * Kf)
            grad[d + 1] = -0.5 * noise * np.trace(W)
            # priors: length scales near 0.3 (log-normal, sd 1.5), noise small
            prior = 0.5 * ((theta[:d] - _LOG_L0) / 1.5) ** 2
            val += prior.sum() + 0.5 * ((theta[d + 1] - np.log(1e-3)) / 4.0) ** 2
            grad[:d] += (theta[:d] - _LOG_L0) / 1.5**2
            grad[d + 1] += (theta[d + 1] - np.log(1e-3)) / 16.0
            return float(val), grad

        x0 = np.concatenate([np.full(d, _LOG_L0), [0.0, np.log(1e-3)]])
        bounds = [(np.log(0.01), np.log(10.0))] * d + [(np.log(0.05), np.log(20.0)),
                                                       (np.log(1e-6), np.log(1.0))]
        res = optimize.minimize(nll, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": 60})
        return res.x if np.all(np.isfinite(res.x)) else x0

    def predict(self, Xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation at Xs, in the original y scale."""
        d = self.X.shape[1]
        ls, s2, _ = self._unpack(self.theta, d)
        Ks = _kernel(np.asarray(Xs, float), self.X, ls, s2)
        mu = Ks @ self.alpha
        v = linalg.solve_triangular(self.L, Ks.T, lower=True)
        var = np.maximum(s2 - (v**2).sum(0), 1e-12)
        return mu * self.y_std + self.y_mean, np.sqrt(var) * self.y_std


def expected_improvement(mu: np.ndarray, sd: np.ndarray, best: float, xi: float = 0.0) -> np.ndarray:
    """EI for minimization below `best`."""
    imp = best - mu - xi
    z = imp / sd
    return imp * special.ndtr(z) + sd * np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)
