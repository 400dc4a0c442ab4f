"""What a library's sources can be trusted with: weak out-of-bag scores and input coverage.

A *source* is the group of networks pretrained on one property in one form with one
descriptor (the models of one recipe source). Two things make a source a poor candidate for
a target, and both are reported rather than silently ignored:

- a weak out-of-bag score: the networks did not learn their own property (median
  out-of-bag R2 below :data:`WEAK_R2`), so their hidden features are unlikely to carry it;
- inputs it cannot see: descriptor columns that are active (non-zero) for the target but
  that no network of the source reads. A fingerprint bit of a sulfur or chlorine
  environment absent from QM9 never reaches a QM9 network, whatever the target.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["WEAK_R2", "check_sources", "source_key", "source_label", "unseen", "weak_sources"]

#: A source whose networks' median out-of-bag R2 is below this is flagged as weak (when built
#: and when used in a transfer). R2 0.5 means the networks explain half of the variance of
#: their own property on rows they never saw; below that their hidden features are a poor
#: summary of it.
WEAK_R2 = 0.5

#: A target column counts as unseen by a source when no network of the source reads it; a
#: warning is given when more than this fraction of the target's active columns is unseen.
_UNSEEN_WARN = 0.05


def model_entry(model: Any) -> dict[str, Any]:
    """The metadata of a ``SourceModel`` that :func:`source_key`, :func:`source_label` and
    :func:`weak_sources` read."""
    return {
        "property": model.property,
        "target_transform": model.target_transform,
        "descriptor": model.descriptor,
        "dataset": model.dataset,
        "training": model.training,
        "metrics": model.metrics,
    }


def source_key(entry: Mapping[str, Any]) -> str:
    """The source a model belongs to: its recipe source name, else property/form/descriptor."""
    training = entry.get("training") or {}
    if training.get("source"):
        return str(training["source"])
    parts = [entry.get("property") or "y", entry.get("target_transform"), entry.get("descriptor")]
    dataset = entry.get("dataset")
    return "/".join(str(p) for p in parts if p) + (f" ({dataset})" if dataset else "")


def source_label(entry: Mapping[str, Any]) -> str:
    """A human label: ``"Cv per_gram on rdkit2d (QM9)"``."""
    form = entry.get("target_transform")
    text = f"{entry.get('property') or 'y'}{' ' + form if form else ''} on {entry['descriptor']}"
    return text + (f" ({entry['dataset']})" if entry.get("dataset") else "")


def weak_sources(
    entries: Iterable[Mapping[str, Any]], min_r2: float = WEAK_R2
) -> dict[str, tuple[str, float]]:
    """Sources whose median out-of-bag R2 is below ``min_r2``: ``{key: (label, median)}``.

    ``entries`` are per-model metadata dicts with ``property``, ``target_transform``,
    ``descriptor``, ``dataset``, ``training`` and ``metrics``. Classification sources (no R2)
    are never flagged.
    """
    scores: dict[str, list[float]] = {}
    labels: dict[str, str] = {}
    for entry in entries:
        r2 = (entry.get("metrics") or {}).get("r2")
        if r2 is None:
            continue
        key = source_key(entry)
        labels.setdefault(key, source_label(entry))
        scores.setdefault(key, []).append(float(r2) if np.isfinite(r2) else -np.inf)
    return {
        key: (labels[key], float(np.median(values)))
        for key, values in scores.items()
        if np.median(values) < min_r2
    }


def warn_weak(entries: Iterable[Mapping[str, Any]], when: str, stacklevel: int = 3) -> None:
    """One ``UserWarning`` naming every weak source (see :func:`weak_sources`)."""
    weak = weak_sources(entries)
    if weak:
        listed = "; ".join(f"{label}: median R2 {r2:.2f}" for label, r2 in weak.values())
        warnings.warn(
            f"{when}: {len(weak)} source(s) have a weak out-of-bag score (median R2 < "
            f"{WEAK_R2}): {listed}. Their features are unlikely to carry their property; "
            "exclude them with ModelLibrary.filter(min_r2=...).",
            UserWarning,
            stacklevel=stacklevel,
        )


def active_columns(D: Any) -> np.ndarray:
    """Indices of the columns of a descriptor matrix that are non-zero in at least one row."""
    if sp.issparse(D):
        return np.flatnonzero(np.diff(sp.csc_matrix(D).indptr) > 0)
    D = np.asarray(D)
    return np.flatnonzero(np.any((D != 0) & ~np.isnan(D), axis=0))


def unseen(columns_read: np.ndarray, D: Any) -> dict[str, Any]:
    """Coverage of the target descriptor ``D`` by networks that read ``columns_read``.

    Returns a dict: ``n_active`` (columns of ``D`` non-zero in some row), ``n_unseen`` (active
    columns not read), ``unseen_fraction``, ``unseen_columns`` (indices) and
    ``rows_affected`` (fraction of the rows with a non-zero value in an unseen column).
    """
    active = active_columns(D)
    missing = np.setdiff1d(active, columns_read)
    if len(missing):
        block = sp.csr_matrix(D)[:, missing] if sp.issparse(D) else np.asarray(D)[:, missing]
        hit = (block != 0).sum(axis=1)
        rows = float(np.mean(np.asarray(hit).ravel() > 0))
    else:
        rows = 0.0
    return {
        "n_active": len(active),
        "n_unseen": len(missing),
        "unseen_fraction": len(missing) / len(active) if len(active) else 0.0,
        "unseen_columns": missing,
        "rows_affected": rows,
    }


def check_sources(
    library: Iterable[Any], matrices: Mapping[str, Any], featurizer_key: Any, stacklevel: int = 4
) -> dict[str, dict[str, Any]]:
    """Warn about the weak sources of ``library`` and those blind to part of the inputs.

    Parameters
    ----------
    library : iterable of SourceModel
    matrices : dict
        The target's descriptor matrix per featurizer key (sources whose key is absent are
        skipped: they do not read these inputs).
    featurizer_key : callable
        ``featurizer_key(model)``: the key of the model's featurizer in ``matrices``.

    Returns
    -------
    dict
        Per source key: :func:`unseen` of the columns read by any of its networks (without
        ``unseen_columns``) and the source's ``label``.
    """
    entries, groups = [], {}
    for model in library:
        entry = model_entry(model)
        entries.append(entry)
        key = featurizer_key(model)
        if key in matrices:
            group = groups.setdefault(source_key(entry), (source_label(entry), [], matrices[key]))
            group[1].append(model.columns)
    warn_weak(entries, "transfer", stacklevel=stacklevel + 1)
    reports, lines = {}, []
    for key, (label, columns, D) in groups.items():
        report = unseen(np.unique(np.concatenate(columns)), D)
        report.pop("unseen_columns")
        reports[key] = {"label": label, **report}
        if report["unseen_fraction"] > _UNSEEN_WARN:
            lines.append(
                f"{label} ignores {report['n_unseen']} of the {report['n_active']} descriptor "
                f"columns active in these inputs ({report['unseen_fraction']:.0%}; non-zero in "
                f"{report['rows_affected']:.0%} of the rows)"
            )
    if lines:
        warnings.warn(
            "Some sources cannot see part of the target's input (columns constant or too rare "
            "in their training data, e.g. atoms their data set lacks): "
            + "; ".join(lines)
            + ". See SourceModel.coverage.",
            UserWarning,
            stacklevel=stacklevel,
        )
    return reports
