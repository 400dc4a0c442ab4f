"""Leakage guard of the accuracy benchmark: no task sees sources built from its own data set.

A library may hold sources trained on the very data set a task draws its rows from (the
``mdl`` recipe pretrains RadonPy MD properties; four tasks are RadonPy targets): the source
networks have then seen the task's inputs, and a transfer from them is not a fair small-data
result. :func:`leaked_sources` is the pure rule (source metadata in, names out);
:func:`drop_leaked` applies it to a :class:`~sklearn_shotgun.library.ModelLibrary`.

This module imports only the package, so the tests load it by path without the benchmark's
data or tasks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sklearn_shotgun.library import ModelLibrary

__all__ = ["drop_leaked", "leaked_sources", "library_sources"]


def _norm(name: Any) -> str:
    # Registered names are lower-case; older pools recorded labels such as "QM9".
    return str(name or "").strip().lower()


def _wanted(datasets: str | Iterable[str]) -> set[str]:
    names = [datasets] if isinstance(datasets, str) else list(datasets)
    if not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise ValueError(f"datasets must be non-empty data set names, got {datasets!r}")
    return {_norm(n) for n in names}


def leaked_sources(
    sources: Mapping[str, Mapping[str, Any]], datasets: str | Iterable[str]
) -> list[str]:
    """Names of the sources built from any of ``datasets`` (case and blanks ignored).

    Parameters
    ----------
    sources : mapping
        ``{source name: {"dataset": name, ...}}``, as ``library.metadata["sources"]`` written
        by ``build_library`` (a source without a ``dataset`` never matches).
    datasets : str or iterable of str
        The task's data set (a name of ``sklearn_shotgun.datasets.DATASETS``) and any data
        set computed for the same entries by the same workflow (``Task.related``).

    Returns
    -------
    list of str
        In the order of ``sources``.
    """
    wanted = _wanted(datasets)
    return [name for name, info in sources.items() if _norm(info.get("dataset")) in wanted]


def library_sources(library: ModelLibrary) -> dict[str, dict[str, Any]]:
    """Per-source metadata: the build record when there is one, else grouped from the models.

    ``build_library`` records each source under ``metadata["sources"]``; pools built
    otherwise (the benchmark's ``own`` recipe) are grouped by ``ModelLibrary.summary``.
    """
    recorded = library.metadata.get("sources")
    if isinstance(recorded, Mapping) and recorded:
        return {str(k): dict(v) for k, v in recorded.items()}
    summary = library.summary()
    return {row["source"]: row for row in summary.to_dict("records")}


def drop_leaked(
    library: ModelLibrary, datasets: str | Iterable[str]
) -> tuple[ModelLibrary, list[str]]:
    """The library without the networks built from ``datasets``, and the sources dropped.

    A network is dropped when its source is one of :func:`leaked_sources` (by the recipe
    source it records in ``training["source"]``) or when its own ``dataset`` field is one of
    ``datasets``: either record alone suffices, so a pool whose metadata was lost is still
    guarded.

    Returns
    -------
    kept : ModelLibrary
        A filtered view (models shared, not copied; ``metadata`` unchanged).
    dropped : list of str
        The names of the sources left out (recorded names first, then any other source
        whose networks name one of the data sets), empty when nothing leaks.
    """
    wanted = _wanted(datasets)
    leaked = leaked_sources(library_sources(library), wanted)
    names = set(leaked)
    kept = library.filter(
        dataset=lambda d: _norm(d) not in wanted,
        training=lambda t: (t or {}).get("source") not in names,
    )
    gone = [i for i in library.ids if i not in set(kept.ids)]
    extra = [] if not gone else list(library.filter(id=gone).summary()["source"])
    return kept, leaked + [s for s in dict.fromkeys(extra) if s not in names]
