"""Candidates of the transfer search: every (source, layer) pair's frozen features, the
no-transfer models on the target's own descriptors, and the heads fit on them.

A mixin of :class:`~sklearn_shotgun.transfer.ShotgunTransferRegressor` and its classifier
twin, which supply the parameters and the ``_forest``, ``_linear`` and ``_search`` methods.
"""

from __future__ import annotations

import contextlib
import dataclasses
import warnings
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array
from tqdm.auto import tqdm

from ._candidates import Candidate, _informative
from ._library_predictions import LibraryPredictionFeaturizer
from .baseline import default_descriptors
from .featurizers.frozen import appended_columns
from .library import ModelLibrary, SourceModel
from .library._quality import check_sources
from .library.source_model import featurizer_key as _featurizer_key
from .library.source_model import featurizer_spec

_FEATURE_PARTS = ("frozen", "prediction", "descriptor")
#: Trees of the default head (a forest with scikit-learn's other defaults).
_HEAD_TREES = 100
#: Heads named by a string (``head=``); any estimator is accepted too.
_HEAD_NAMES = ("forest", "paper", "linear")


def _head_name(head: Any) -> str:
    """A head specification's name in ``transfer_table_["head"]``: the string, else the
    estimator's class name."""
    if head is None:
        return "forest"
    return head if isinstance(head, str) else type(head).__name__


class _CandidateBuilder:
    """Builds the candidates that a transfer estimator's fit searches."""

    def _layer_choices(self, model: SourceModel) -> list[int | str]:
        spec = self.layers
        if spec == "last":
            return [-1]
        if spec == "each":
            return list(range(-model.n_hidden, 0))
        if spec == "all":
            return ["all"]
        values = [spec] if isinstance(spec, int | np.integer) else list(spec)
        out: list[int | str] = []
        for value in values:
            if value == "all":
                out.append("all")
            elif isinstance(value, int | np.integer) and -model.n_hidden <= value < model.n_hidden:
                # One convention in results: negative indices count back from the last layer.
                out.append(int(value) - model.n_hidden if value >= 0 else int(value))
            elif isinstance(value, int | np.integer):
                self._missing_layers.append((model.id, int(value)))
            else:
                raise ValueError(f"layers must be 'last', 'each', 'all' or ints, got {spec!r}.")
        return out

    def _descriptor_groups(
        self, library: ModelLibrary, X: Any, known: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Descriptor matrix of ``X`` per distinct featurizer (computed once each; ``known``
        holds those already computed for the target, by featurizer key)."""
        matrices, failures = {}, {}
        for model in library:
            key = _featurizer_key(model)
            if key in matrices or key in failures:
                continue
            try:
                if known is not None and key in known:
                    D = known[key]
                elif model.featurizer is None:
                    if not isinstance(X, np.ndarray):
                        raise ValueError("a precomputed source needs a descriptor matrix")
                    D = X
                else:
                    D = model.descriptor_matrix(X)
                matrices[key] = D
            except (ValueError, TypeError) as exc:
                failures[key] = f"{model.descriptor}: {exc}"
        if not matrices:
            reasons = "; ".join(failures.values())
            raise ValueError(f"No source model in the library accepts these inputs ({reasons}).")
        return matrices, failures

    def _target_descriptors(self, X: Any) -> tuple[dict[str, Any], str | None]:
        """Fitted target featurizers by name (for the no-transfer candidates), and the name
        of the one that ``features="...+descriptor"`` appends (None: the source's own)."""
        if self._precomputed:
            return {"X": None}, None if self.descriptor == "source" else "X"
        if hasattr(self.descriptor, "transform"):
            return {"descriptor": clone(self.descriptor)}, "descriptor"
        featurizers = default_descriptors(self._input_kind)
        # "auto": the descriptor whose no-transfer forest cross-validates best (decided in
        # _candidates, inside this fit's rows only).
        return featurizers, None if self.descriptor == "source" else "auto"

    def _candidates(
        self, library: ModelLibrary, X: Any, y: np.ndarray, cv: Any, groups: Any
    ) -> list[Candidate]:
        parts = set(self.features.split("+"))
        featurizers, appended = self._target_descriptors(X)
        if not (self.no_transfer or "descriptor" in parts):
            featurizers = {}  # neither the fallback nor "+descriptor" reads them
        self.target_featurizers_ = {}
        target: dict[str, np.ndarray] = {}
        known: dict[str, Any] = {}  # the sources with the same featurizer reuse its matrix
        for name, featurizer in featurizers.items():
            if featurizer is None:  # precomputed: X is the descriptor matrix
                T = X
                self.target_featurizers_[name] = "passthrough"
            else:
                featurizer = featurizer.fit(X)
                T = featurizer.transform(X)
                with contextlib.suppress(ValueError):  # a user's featurizer outside the registry
                    known[_featurizer_key(featurizer_spec(featurizer))] = T
                T = T.toarray() if hasattr(T, "toarray") else T
                self.target_featurizers_[name] = featurizer
            # C order: a reloaded model refits on the same bits (reductions such as the
            # linear head's scaling round differently over a Fortran-ordered frame).
            target[name] = np.ascontiguousarray(T, dtype=np.float32)
        matrices, failures = self._descriptor_groups(library, X, known)
        self.rejected_featurizers_ = failures
        self.source_coverage_ = check_sources(library, matrices, _featurizer_key)
        if failures:
            skipped = [m.id for m in library if _featurizer_key(m) in failures]
            warnings.warn(
                f"{len(skipped)} source model(s) were left out because their featurizer does "
                f"not accept these inputs ({'; '.join(failures.values())}), e.g. "
                f"{skipped[:3]}.",
                UserWarning,
                stacklevel=3,
            )
        rng = check_random_state(self.random_state)
        fallback = []
        for name, T in target.items():
            T, columns = _informative(T)
            fallback.append(self._first_head_candidate(None, None, T, name, columns, rng))
        if appended == "auto":
            if "descriptor" in parts and len(fallback) > 1:
                primary, _ = self._scoring()
                scores = self._search(fallback, y, cv, groups, grid=True)[f"mean_test_{primary}"]
                appended = fallback[int(np.argmax(scores))].descriptor
            else:
                appended = next(iter(target), None)
        self.appended_descriptor_ = appended if "descriptor" in parts else None
        own_descriptor = "descriptor" in parts and appended is None
        extra = target[appended] if "descriptor" in parts and appended is not None else None
        self._missing_layers: list[tuple[str, int]] = []
        candidates = []
        too_narrow = 0
        models = [m for m in library if _featurizer_key(m) in matrices]
        checked: set[str] = set()
        for model in tqdm(models, desc="frozen features", disable=not self.verbose):
            key = _featurizer_key(model)
            D = matrices[key]
            if key not in checked:  # FrozenNetFeaturizer.fit's validation, once per matrix
                check_array(D, accept_sparse="csr", dtype=(np.float32, np.float64))
                checked.add(key)
            if D.shape[1] <= int(np.max(model.columns)):
                too_narrow = max(too_narrow, int(np.max(model.columns)) + 1)
                continue
            choices = self._layer_choices(model)
            if not choices:
                continue
            # One forward pass through every hidden layer serves all of this source's
            # candidates (what FrozenNetFeaturizer gives layer by layer, to the bit).
            every = model.transform(D, layer="all", precomputed=True)
            bounds = np.cumsum([0, *model.hidden_widths])
            tail = appended_columns(model, D, "prediction" in parts, own_descriptor)
            if extra is not None:
                tail.append(extra)
            for layer in choices:
                hidden = range(model.n_hidden) if layer == "all" else [layer % model.n_hidden]
                H = np.hstack(
                    [every[:, bounds[k] : bounds[k + 1]] for k in hidden] + tail, dtype=np.float32
                )
                H, columns = _informative(H)
                name = appended if extra is not None else None
                candidates.append(
                    self._first_head_candidate(model.id, layer, H, name, columns, rng)
                )
        if self._missing_layers:
            warnings.warn(
                f"{len(self._missing_layers)} (source, layer) pairs were skipped because the "
                f"source has no such hidden layer, e.g. {self._missing_layers[:3]}.",
                UserWarning,
                stacklevel=3,
            )
        if not candidates:
            detail = (
                f": the sources need {too_narrow} descriptor columns, the inputs give "
                f"n_features={max(D.shape[1] for D in matrices.values())}"
                if too_narrow
                else ""
            )
            raise ValueError(f"No (source, layer) candidate fits these inputs and layers{detail}.")
        if self.library_predictions and self.no_transfer and not self._precomputed:
            candidates.extend(self._prediction_candidates(library, X, matrices, target, rng))
        if self.no_transfer:
            candidates.extend(fallback)
            if "linear" not in self._head_specs():
                # Ridge (logistic) on each descriptor is the other model a practitioner fits
                # without transfer, and the better one on several benchmark tasks (RDKit
                # descriptors for polymer transport and optics, compositions for AFLOW kappa).
                candidates.extend(self._linear_twin(c) for c in fallback)
        return candidates

    def _prediction_candidates(
        self,
        library: ModelLibrary,
        X: Any,
        matrices: dict[str, Any],
        target: dict[str, np.ndarray],
        rng: np.random.RandomState,
    ) -> list[Candidate]:
        """Heads on every source's mean prediction, alone and beside each target descriptor
        (each with the first head and, unless listed, the linear head; never screened)."""
        cache = dict(matrices)
        cache.update(dict.fromkeys(self.rejected_featurizers_, ValueError("rejected")))
        try:
            selected = LibraryPredictionFeaturizer(library)
            selected._select(X, cache)
        except ValueError:  # no single-output regression source reads these inputs
            return []
        # Only the averaged networks, not the whole library: the fitted model (and every
        # task of a process-based joblib backend) carries what it uses.
        used = [m for models in selected.sources_.values() for m in models]
        featurizer = LibraryPredictionFeaturizer(
            ModelLibrary(used, name=library.name), selected.max_models_per_source
        )
        P = featurizer.fit_transform_cached(X, cache)
        out = []
        for name, T in [(None, None), *target.items()]:
            H, columns = _informative(P if T is None else np.hstack([P, T]))
            if H.shape[1] == 0:
                continue
            out.append(self._first_head_candidate(None, None, H, name, columns, rng, featurizer))
        if "linear" not in self._head_specs():
            out += [self._linear_twin(c) for c in out]
        return out

    def _first_head_candidate(
        self,
        model_id: str | None,
        layer: int | str | None,
        H: np.ndarray,
        descriptor: str | None,
        columns: np.ndarray,
        rng: np.random.RandomState,
        predictions: LibraryPredictionFeaturizer | None = None,
    ) -> Candidate:
        """A candidate on the features ``H`` with the first head, seeded from ``rng`` (one
        draw per candidate, in the order the candidates are built)."""
        first = self._head_specs()[0]
        seed = int(rng.randint(np.iinfo(np.int32).max))
        head = self._make_head(first, len(H), H, seed)
        return Candidate(
            model_id, layer, H, head, descriptor, columns, _head_name(first), predictions
        )

    def _linear_twin(self, candidate: Candidate) -> Candidate:
        """``candidate`` with the "linear" head: the same features, a ridge (logistic) model."""
        return dataclasses.replace(candidate, head=self._linear(), head_name="linear")

    def _head_specs(self) -> list[Any]:
        """``head`` as a list of head specifications (None is the forest)."""
        if isinstance(self.head, list | tuple):
            return ["forest" if h is None else h for h in self.head]
        return ["forest" if self.head is None else self.head]

    def _with_heads(self, candidates: list[Candidate], n_rows: int) -> list[Candidate]:
        """``candidates`` (built with the first head) followed by their twins with each
        other head of ``head``: the same features, another model."""
        first, *specs = self._head_specs()
        if not specs:
            return candidates
        # Only the first head's candidates get twins: the linear no-transfer candidates
        # that no_transfer added have theirs already.
        candidates_first = [c for c in candidates if c.head_name == _head_name(first)]
        # A stream of its own: the seeds of the first head's candidates stay as they were.
        rng = check_random_state(self.random_state)
        twins = [
            dataclasses.replace(
                c,
                head=self._make_head(spec, n_rows, c.features, int(rng.randint(2**31 - 1))),
                head_name=_head_name(spec),
            )
            for spec in specs
            for c in candidates_first
        ]
        return candidates + twins

    def _make_head(self, spec: Any, n_rows: int, H: np.ndarray, seed: int) -> Any:
        if spec == "forest":
            return self._forest(n_estimators=_HEAD_TREES, random_state=seed)
        if spec == "linear":
            return self._linear()
        if not isinstance(spec, str):
            head = clone(spec)
            if "random_state" in head.get_params():
                head.set_params(random_state=seed)
            return head
        # "paper": the randomised forest of Yamada et al.: trees in [n/2, n] of the rows,
        # max_features in [N/2, N] of the features, drawn per candidate.
        rng = np.random.default_rng(seed)
        n_features = H.shape[1]
        n_trees = int(rng.integers(max(1, n_rows // 2), max(2, n_rows) + 1))
        max_features = int(rng.integers(max(1, n_features // 2), n_features + 1))
        return self._forest(n_estimators=n_trees, max_features=max_features, random_state=seed)


def _reading(library: ModelLibrary, kind: str) -> ModelLibrary:
    """``library`` with its composition sources reading ``kind`` ("smiles" or "formula").

    A composition source only sees element amounts, which a SMILES gives as well as a
    formula (hydrogens included), so a source trained on formulas applies to molecules and
    polymer repeat units, and one trained on SMILES to formulas.
    """
    models, changed = [], False
    for model in library:
        spec = model.featurizer
        if (
            spec is not None
            and spec.get("class") == "CompositionFeaturizer"
            and spec.get("params", {}).get("input", "formula") != kind
        ):
            spec = {**spec, "params": {**spec.get("params", {}), "input": kind}}
            model = dataclasses.replace(model, featurizer=spec)
            changed = True
        models.append(model)
    if not changed:
        return library
    return ModelLibrary(models, name=library.name, description=library.description)
