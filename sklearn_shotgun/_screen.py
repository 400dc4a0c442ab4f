"""A closed-form screen of many candidate feature sets at once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from threadpoolctl import threadpool_limits

__all__ = ["ridge_loo_screen"]

#: Ridge penalties tried per candidate, relative to the number of rows.
_ALPHAS = np.logspace(-3, 3, 13)

#: Candidates per batched pass. Fixed (not derived from n_jobs) so that every candidate's
#: score comes from the same floating-point operations whatever the number of workers.
_CHUNK = 32


def ridge_loo_screen(
    features: Sequence[np.ndarray],
    y: np.ndarray,
    *,
    classification: bool = False,
    groups: np.ndarray | None = None,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Leave-one-out score of ridge regression on every candidate, in one batched pass.

    Each candidate's features are standardised and zero-padded to a common width (a zero
    column gets a zero coefficient, so padding changes nothing); one batched SVD of the
    stack (or, when it is wider than tall, the eigendecomposition of its Gram matrices)
    gives, for every penalty, the hat matrix diagonal and hence the exact leave-one-out
    residuals ``r_i / (1 - h_ii)`` of ridge regression with an intercept.
    The best penalty is kept per candidate.

    Parameters
    ----------
    features : sequence of ndarray of shape (n_samples, n_features_c)
        Feature matrices of the candidates (widths may differ).
    y : ndarray of shape (n_samples,)
        Regression target, or class labels with ``classification=True`` (one-hot encoded).
    classification : bool, default=False
    groups : ndarray of shape (n_samples,), optional
        Leave one *group* out instead: the residuals of a held-out group ``g`` are
        ``(I - H_gg)^-1 r_g``, still exact and still batched over the candidates.
    n_jobs : int, optional
        Threads over chunks of candidates (LAPACK and numpy release the GIL, so threads
        scale without starting processes or copying features). The scores do not depend
        on it.

    Returns
    -------
    ndarray of shape (n_candidates,)
        Higher is better: minus the leave-one-out MAE (regression) or the leave-one-out
        accuracy of the arg-max of the one-hot ridge predictions (classification).
    """
    width = max(f.shape[1] for f in features)
    features = list(features)
    chunks = [features[a : a + _CHUNK] for a in range(0, len(features), _CHUNK)]
    kwargs = dict(width=width, classification=classification, groups=groups)
    if effective_n_jobs(n_jobs) == 1 or len(chunks) == 1:
        scores = [_screen_chunk(chunk, y, **kwargs) for chunk in chunks]
    else:
        # One BLAS thread per worker: BLAS's own threads on top of the workers' oversubscribe
        # the cores (two jobs were slower than one on two cores).
        with threadpool_limits(limits=1, user_api="blas"):
            scores = Parallel(n_jobs=n_jobs, prefer="threads")(
                delayed(_screen_chunk)(chunk, y, **kwargs) for chunk in chunks
            )
    return np.concatenate(scores)


def _screen_chunk(
    features: Sequence[np.ndarray],
    y: np.ndarray,
    *,
    width: int,
    classification: bool,
    groups: np.ndarray | None,
) -> np.ndarray:
    """Scores of some candidates, their features zero-padded to ``width`` columns."""
    n = len(y)
    stack = np.zeros((len(features), n, width))
    for c, F in enumerate(features):
        F = np.asarray(F, dtype=np.float64)
        centered = F - F.mean(axis=0)
        scale = centered.std(axis=0)
        stack[c, :, : F.shape[1]] = np.divide(
            centered, scale, out=np.zeros_like(centered), where=scale > 1e-12
        )
    if classification:
        classes, codes = np.unique(y, return_inverse=True)
        target = np.eye(len(classes))[codes]
    else:
        target = np.asarray(y, dtype=np.float64)[:, None]
    target_c = target - target.mean(axis=0)
    if width >= n:
        # The left singular vectors and squared singular values from the eigendecomposition
        # of each n x n Gram matrix: with tens of rows and hundreds of columns several times
        # cheaper than the SVD. Directions of (nearly) zero singular value get (nearly) zero
        # weight s^2 / (s^2 + alpha) from every penalty tried.
        s2, U = np.linalg.eigh(stack @ stack.transpose(0, 2, 1))  # s2: (C, n), U: (C, n, n)
        s2 = np.clip(s2, 0.0, None)
    else:  # more rows than columns: the thin SVD is the smaller problem
        U, s, _ = np.linalg.svd(stack, full_matrices=False)  # U: (C, n, k), s: (C, k)
        s2 = s**2
    Uty = U.transpose(0, 2, 1) @ target_c  # (C, n, t)
    U2 = U**2
    best = np.full(len(features), -np.inf)
    for alpha in _ALPHAS * n:
        shrink = s2 / (s2 + alpha)  # (C, k)
        fitted = U @ (shrink[:, :, None] * Uty)
        residual = target_c[None] - fitted
        if groups is None:
            # The intercept adds 1/n to every hat diagonal entry.
            hat = (U2 @ shrink[:, :, None])[:, :, 0] + 1.0 / n
            loo_residual = residual / (1.0 - hat)[:, :, None]
        else:
            loo_residual = _leave_group_out(U, shrink, residual, np.asarray(groups))
        if classification:
            loo_pred = (target[None] - loo_residual).argmax(axis=2)
            score = (loo_pred == codes[None]).mean(axis=1)
        else:
            score = -np.abs(loo_residual[:, :, 0]).mean(axis=1)
        best = np.maximum(best, score)
    return best


def _leave_group_out(
    U: np.ndarray, shrink: np.ndarray, residual: np.ndarray, groups: np.ndarray
) -> np.ndarray:
    """Exact leave-one-group-out residuals ``(I - H_gg)^-1 r_g`` for every candidate."""
    out = np.empty_like(residual)
    n = U.shape[1]
    for group in np.unique(groups):
        rows = np.flatnonzero(groups == group)
        Ug = U[:, rows, :]
        hat = np.einsum("cik,ck,cjk->cij", Ug, shrink, Ug) + 1.0 / n
        eye = np.eye(len(rows))[None]
        out[:, rows, :] = np.linalg.solve(eye - hat, residual[:, rows, :])
    return out
