"""The transfer search: cross-validation of the candidates on folds drawn once per fit,
the table of their scores, and the weights of the stacked ensemble.

A mixin of :class:`~sklearn_shotgun.transfer.ShotgunTransferRegressor` and its classifier
twin, which supply the parameters, ``_head_class`` and the per-fit ``_splits`` and
``_cv_memo``.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from scipy.optimize import nnls
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV, cross_val_predict

from ._candidates import (
    LIBRARY_PREDICTIONS,
    NO_TRANSFER,
    Candidate,
    _cv_chunk,
    _merge_results,
    is_partition,
)


class _Search:
    """Cross-validates candidates, tabulates them and weights the chosen ones."""

    def _scoring(self) -> tuple[str, dict[str, str]]:
        primary = self.scoring or next(iter(self._metrics.values()))
        metrics = dict(self._metrics)
        if primary not in metrics.values():
            metrics["score"] = primary
        name = next(k for k, v in metrics.items() if v == primary)
        return name, metrics

    def _search(
        self, candidates: list[Candidate], y: np.ndarray, cv: Any, groups: Any, grid: bool = False
    ) -> dict[str, Any]:
        """``cv_results_`` of the search over ``candidates`` (same order for the grid, which
        ``grid=True`` forces whatever ``search`` says)."""
        primary, metrics = self._scoring()
        index = np.arange(len(y)).reshape(-1, 1)
        if self.search == "halving" and not grid:
            search = HalvingGridSearchCV(
                self._head_class(),
                {"candidate": candidates},
                cv=cv,
                scoring=metrics[primary],
                refit=False,
                n_jobs=self.n_jobs,
                random_state=self.random_state,
                min_resources="exhaust",
                error_score="raise",
            )
            return search.fit(index, y, groups=groups).cv_results_
        # The splits are drawn once per fit (every candidate, and the stacked ensemble,
        # sees the same folds) and each candidate is cross-validated once per fit: the
        # no-transfer candidates that choose the appended descriptor are searched again.
        todo = [c for c in dict.fromkeys(candidates) if c not in self._cv_memo]
        # Chunks of candidates spread over the workers: thousands of 20 ms (candidate,
        # fold) tasks dispatched one by one leave the workers waiting on the dispatcher.
        # Threads, not processes: the trees are grown without the GIL, and a process pool
        # would first import torch and receive a copy of every candidate's features
        # (slower than one job on a small target set).
        n_chunks = min(len(todo), 4 * effective_n_jobs(self.n_jobs))
        bounds = np.linspace(0, len(todo), n_chunks + 1).astype(int)
        chunks = [todo[a:b] for a, b in itertools.pairwise(bounds)]
        parts = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_cv_chunk)(self._head_class(), chunk, index, y, self._splits, metrics)
            for chunk in chunks
        )
        # Entries in chunk order: a process or dask backend returns them for copies of the
        # candidates, which are mapped back to the originals here.
        for chunk, part in zip(chunks, parts, strict=True):
            self._cv_memo.update(zip(chunk, part, strict=True))
        return _merge_results([self._cv_memo[c] for c in candidates], candidates, metrics)

    def _table(self, library, candidates, results, screen) -> pd.DataFrame:
        primary, metrics = self._scoring()
        halving = self.search == "halving"
        rows = []
        params = results["param_candidate"]
        # Halving search scores a candidate once per iteration it survives: keep its last.
        last: dict[int, int] = {}
        for i, cand in enumerate(params):
            last[id(cand)] = i
        for index, cand in enumerate(candidates):
            if cand.model_id is None:
                source = NO_TRANSFER if cand.predictions is None else LIBRARY_PREDICTIONS
                row = {"source": source, "property": "", "dataset": "", "layer": None}
                row["descriptor"] = cand.descriptor
                row["target_transform"] = None
            else:
                model = library[cand.model_id]
                row = {
                    "source": cand.model_id,
                    "property": model.property,
                    "dataset": model.dataset,
                    "descriptor": model.descriptor,
                    "target_transform": model.target_transform,
                    "layer": cand.layer,
                }
                row.update({f"source_{k}": v for k, v in model.metrics.items() if k != "rows"})
            row["head"] = cand.head_name
            row["n_features"] = cand.features.shape[1]
            row["_candidate"] = index
            if screen is not None:
                row["screen_score"] = screen.get(id(cand), np.nan)
            i = last.get(id(cand))
            names = [primary] if halving else list(metrics)
            for name in names:
                key = "score" if halving else name
                mean = results[f"mean_test_{key}"][i] if i is not None else np.nan
                std = results[f"std_test_{key}"][i] if i is not None else np.nan
                sign = -1.0 if metrics[name].startswith("neg_") else 1.0
                row[f"cv_{name}_mean"] = sign * mean
                row[f"cv_{name}_std"] = std
            if halving:
                row["n_resources"] = results["n_resources"][i] if i is not None else np.nan
            row["_score"] = (
                results[f"mean_test_{'score' if halving else primary}"][i]
                if i is not None
                else -np.inf
            )
            rows.append(row)
        table = pd.DataFrame(rows)
        # Layers are ints, "all" or None (no transfer): keep them as given, not as floats.
        table["layer"] = pd.Series([row["layer"] for row in rows], dtype=object)
        if halving:  # a candidate eliminated early was scored on fewer rows: rank it after
            table["_score"] = np.where(
                table["n_resources"] == table["n_resources"].max(), table["_score"], -np.inf
            )
        table["rank"] = table["_score"].rank(ascending=False, method="first").astype(int)
        return table.drop(columns="_score").sort_values("rank").reset_index(drop=True)

    def _clearly_better(self, candidate: Candidate, reference: Candidate) -> bool:
        """Whether ``candidate`` beats ``reference`` by more than one standard error.

        The standard error is that of the mean of their paired per-fold score differences
        (the same folds for both). The halving search scores candidates on other row counts
        per round: there the candidate counts as better when it ranks first.
        """
        if candidate is reference or self.search == "halving":
            return candidate is not reference
        primary, _ = self._scoring()
        diff = np.subtract(
            self._cv_memo[candidate][f"test_{primary}"],
            self._cv_memo[reference][f"test_{primary}"],
        )
        return bool(diff.mean() > diff.std(ddof=1) / np.sqrt(len(diff)))

    def _stacking_weights(
        self, chosen: list[Candidate], y: np.ndarray, cv: Any, groups: Any
    ) -> np.ndarray:
        """Non-negative weights summing to one that best combine the candidates'
        out-of-fold predictions (the inner CV's own splits), by least squares."""
        index = np.arange(len(y)).reshape(-1, 1)
        if not is_partition(self._splits, len(y)):
            warnings.warn(
                "ensemble_weights='stacked' needs out-of-fold predictions, which a splitter "
                "whose test folds do not partition the rows (ShuffleSplit, repeated K-fold) "
                "does not give: the ensemble is weighted uniformly.",
                UserWarning,
                stacklevel=3,
            )
            return np.full(len(chosen), 1.0 / len(chosen))
        # The search's own out-of-fold predictions where it kept them (same splits, same
        # seeded heads, so the same numbers); the candidates halving searched are refit.
        known = [self._cv_memo.get(c, {}).get("oof") for c in chosen]
        missing = [c for c, oof in zip(chosen, known, strict=True) if oof is None]
        fitted = iter(
            Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(cross_val_predict)(
                    self._head_class().set_params(candidate=c),
                    index,
                    y,
                    cv=self._splits,
                    groups=groups,
                )
                for c in missing
            )
        )
        P = np.column_stack([oof if oof is not None else next(fitted) for oof in known])
        # The sum-to-one constraint as a heavily weighted extra equation.
        penalty = 1e3 * max(float(np.abs(y).max()), 1.0)
        A = np.vstack([P, np.full((1, P.shape[1]), penalty)])
        weights, _ = nnls(A, np.append(y, penalty))
        total = weights.sum()
        return weights / total if total > 0 else np.full(len(chosen), 1.0 / len(chosen))
