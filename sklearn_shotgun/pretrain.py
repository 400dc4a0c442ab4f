"""``ShotgunPretrainer``: train a large, diverse pool of small source networks."""

from __future__ import annotations

import contextlib
import hashlib
import json
import numbers
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from filelock import FileLock, Timeout
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from . import __version__
from ._doc_link import DocLinkMixin
from ._io import atomic_write_text, current_umask
from ._targets import check_target_transform, transform_target
from ._validation import check_finite_target
from .evaluation import CLASSIFICATION_METRICS, METRICS, REGRESSION_METRICS
from .featurizers._base import coerce_items
from .library import ModelLibrary, SourceModel
from .library.source_model import _descriptor_label, featurizer_spec, make_model_id
from .nets.ensemble import ModelSpec, TrainResult, predict_state_dict, train_models
from .nets.pyramid import sample_architecture

__all__ = ["ShotgunPretrainer"]

_CHECKPOINT_FORMAT = 2
#: task="auto" treats integer targets with at most this many values as classes.
_MAX_AUTO_CLASSES = 20
_MIN_ROWS = 3


# -- parameter helpers ------------------------------------------------------------------
def _as_range(value: Any, name: str, kind: type = float) -> tuple[Any, Any]:
    """A ``(low, high)`` range from a scalar or a pair, validated."""
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        low = high = value
    else:
        try:
            low, high = value
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must be a number or a (low, high) pair, got {value!r}."
            ) from None
    if kind is int and not all(isinstance(v, numbers.Integral) for v in (low, high)):
        raise ValueError(f"{name} must hold integers, got {value!r}.")
    if not low <= high:
        raise ValueError(f"{name} must satisfy low <= high, got {value!r}.")
    if low <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}.")
    return low, high


def _draw_int(rng: np.random.Generator, bounds: tuple[int, int]) -> int:
    return int(rng.integers(bounds[0], bounds[1] + 1))


def _draw_log(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return float(np.exp(rng.uniform(np.log(low), np.log(high)))) if high > low else float(low)


def _resolve_size(value: float | int, n_rows: int) -> int:
    """A row count from an int or a fraction of the rows."""
    if isinstance(value, numbers.Integral):
        return int(value)
    return max(1, round(float(value) * n_rows))


# -- work done in joblib workers --------------------------------------------------------
def _train_chunk(
    specs, X, y, engine, device, n_threads, callback=None, precision="fp32"
) -> list[TrainResult]:
    """Train one chunk of models; runs in a joblib worker."""
    import torch

    kwargs = dict(engine=engine, device=device, callback=callback, precision=precision)
    if n_threads is None:
        return train_models(specs, X, y, **kwargs)
    # Several workers share the cores: a small torch thread pool each, no oversubscription.
    # Restored afterwards, since a threading backend runs this in the caller's process.
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        return train_models(specs, X, y, **kwargs)
    finally:
        torch.set_num_threads(previous)


def _increments(callback):
    """Turn ``train_models``' cumulative count per chunk into increments for ``callback``."""
    seen = [0]

    def report(n_done: int) -> None:
        step, seen[0] = n_done - seen[0], n_done
        if step:
            callback(step)

    return report


def _is_classification_pool(estimator: ShotgunPretrainer) -> bool:
    """``predict_proba`` exists before fit and on classification pools only."""
    return getattr(estimator, "task_", "classification") == "classification"


class ShotgunPretrainer(DocLinkMixin, BaseEstimator):
    """Pretrain a pool of randomly shaped pyramid networks on one source property.

    Each of the ``n_models`` networks gets its own seed, spawned from ``random_state`` with
    :class:`numpy.random.SeedSequence`, and with it: an architecture (``n_hidden_layers``
    hidden layers whose widths decrease from a first width of at most ``max_first_width`` to
    a last width in ``last_width``; ReLU hidden layers, linear output); a subset of at most
    ``max_features`` descriptor columns drawn among those that are non-zero in at least
    ``1 - max_sparsity`` of the rows; a bootstrap sample of the rows (size drawn in
    ``bootstrap_size``); a number of epochs and a learning rate drawn in their ranges. It is
    trained with Adam on the standardised target, with early stopping on its out-of-bag rows,
    and its out-of-bag metrics are stored with it.

    Parameters
    ----------
    featurizer : transformer or None, default=None
        Turns raw inputs (SMILES, formulas) into descriptors, e.g.
        ``FingerprintFeaturizer(counts=True)``; it is stored with every model so that the
        pool works on raw inputs. None means ``X`` already is a numeric descriptor matrix.
    n_models : int, default=100
        Size of the pool (the paper used about 1,000 per source property).
    n_hidden_layers : (int, int), default=(3, 6)
        Range of the number of hidden layers (the paper's 3 to 6).
    max_first_width : int, default=400
        Largest first hidden width (the paper's NN setup 1).
    last_width : (int, int), default=(10, 30)
        Range of the last hidden width, whose activations are the transferred features.
    max_features : int, default=500
        Most descriptor columns one network sees (paper: 500).
    max_sparsity : float, default=0.9
        Columns that are zero in more than this fraction of the rows are never drawn; nor
        are constant columns (unless ``column_pool="all"``).
    column_pool : {"informative", "all"}, default="informative"
        Columns the networks draw from. "informative": those passing ``max_sparsity`` and
        not constant in the source data; a fingerprint bit that the source data never sets
        (a sulfur or chlorine environment, for QM9) then reaches no network, and a target
        with such atoms looks to the source like one without them (``SourceModel.coverage``
        reports it). "all": every descriptor column, so such bits still reach the networks:
        their first-layer weights on a column that is always zero get no gradient and keep
        their random initial values, which makes the hidden features respond to the bit at
        transfer time as a fixed random projection. With many columns per network
        (``max_features`` at least the descriptor width) nothing of a target goes unseen.
    bootstrap_size : int, float or (low, high), default=(0.5, 1.0)
        Rows of each bootstrap sample (drawn with replacement), as counts (ints) or fractions
        of the rows (floats); a pair is a range to draw from. The rows left out are the
        model's out-of-bag rows.
    max_epochs : int or (int, int), default=(100, 200)
        Epoch budget, drawn per model.
    learning_rate : float or (float, float), default=(3e-4, 3e-3)
        Adam learning rate, drawn log-uniformly per model.
    batch_size : int, default=128
        Mini-batch size.
    early_stopping : int or None, default=10
        Patience in epochs on the out-of-bag loss; the best epoch's weights are kept.
        None trains every model for its full epoch budget.
    task : {"auto", "regression", "classification"}, default="auto"
        "auto" picks classification for string, boolean and object targets and for integer
        targets with at most 20 distinct values, and regression for everything else
        (float targets always). Classifiers have a softmax output trained with
        cross-entropy.
    engine : {"batched", "skorch"}, default="batched"
        "batched" trains a whole chunk of networks at once; "skorch" trains them one at a
        time with skorch (the reference implementation).
    device : str, default="cpu"
        Torch device of the batched engine, e.g. "cuda".
    precision : {"fp32", "bf16"}, default="fp32"
        "bf16" runs the matrix products of the batched engine under bfloat16 autocast
        (weights, gradients, Adam and losses stay float32). On a 2-core AVX512-BF16 CPU it
        was 1.2-1.3x faster at 5,000 rows and no faster at 20,000 (where the sparse first
        layer and Adam, which stay float32, weigh more); it is slower on CPUs without bf16
        instructions. Out-of-bag RMSEs moved by up to ~1 % per network, the pool mean by
        less (``benchmarks/bench_pretrain.py`` reports both). Recorded in each model's
        ``training["precision"]``.
    oob_interval : int, default=1
        Evaluate the out-of-bag loss every ``oob_interval`` epochs (and after the last)
        instead of after every epoch. That pass took 10-15 % of the training time; with 5,
        early stopping and the kept best weights only consider every fifth epoch
        (``early_stopping`` still counts epochs). Batched engine only.
    chunk_size : int, default=32
        Networks trained together in one joblib task; also the unit of checkpointing.
        Changing it changes the rounding of the trained weights (see ``random_state``).
    checkpoint_dir : path or None, default=None
        Folder where finished chunks are saved as they complete (atomic writes). Calling
        ``fit`` again with the same data and parameters trains only the missing chunks, and
        the result equals an uninterrupted run. ``n_models`` may differ between calls: a
        larger pool re-uses the saved networks (the first ones stay bit-identical, since
        network ``i`` is drawn from the ``i``-th child seed whatever the pool size) and trains
        only the new ones; a smaller one takes the first ``n_models`` saved networks. A pool
        grown from a size that is not a multiple of ``chunk_size`` groups its networks into
        other chunks than one built at the final size in one go, so its new networks may
        differ from those in the last bits (see ``random_state``).
        The folder is locked (``checkpoint.lock``) while ``fit`` runs: a second ``fit`` on it
        raises ``RuntimeError`` at once instead of waiting or training the same networks
        twice. Temporary files left by a killed run (``.chunk-*.tmp-*``) are removed when
        the next run takes the lock.
    n_jobs : int or None, default=None
        joblib workers over chunks (any joblib backend, e.g. Dask). Each worker gets
        ``cpu_count // n_jobs`` torch threads; the batched engine trains that many groups of
        networks at a time, so ``n_jobs=None`` already uses all cores.
    random_state : int, RandomState instance or None, default=None
        Seeds everything. The same value gives the same pool, bit for bit, on the same
        machine with the same ``chunk_size`` (networks trained together share padded
        matrix products, so another grouping changes the last bits of the weights),
        whatever ``n_jobs`` and the number of torch threads with the batched engine (the
        skorch engine may differ in the last bits with another thread count). Required
        with ``checkpoint_dir``.
    verbose : int, default=1
        0 silences the progress bar.
    property, units, material, dataset : str, default=""
        Metadata stored with every model ("Cv", "cal/(mol K)", "molecule", "QM9"); ``units``
        are those of ``y`` as given to ``fit``, before ``target_transform``.
    target_transform : {None, "per_gram", "per_heavy_atom", "per_atom", "log10"}, default=None
        The form of ``y`` the networks learn, recorded with every model
        (``SourceModel.target_transform``; the models predict this form): ``y`` divided by
        the molar mass, the heavy-atom count or the atom count of each input (SMILES, or
        formulas for a ``CompositionFeaturizer(input="formula")``), or ``log10(y)``.
        Intensive forms of extensive sources (a heat capacity per gram rather than per
        molecule) transfer better to intensive targets: see ``docs/accuracy.md``. The
        per-size forms need raw inputs (a ``featurizer``).

    Attributes
    ----------
    library_ : ModelLibrary
        The pretrained pool.
    featurizer_ : transformer or None
        The fitted featurizer.
    task_ : str
        "regression" or "classification".
    classes_ : ndarray
        Class labels (classification only).
    descriptor_columns_ : ndarray of int
        Descriptor columns the networks could draw from (after the sparsity filter).
    n_features_in_ : int
        Number of descriptor columns of ``X`` (when ``featurizer`` is None).
    n_trained_ : int
        Networks trained by the last ``fit`` (the rest came from the checkpoint).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_shotgun import ShotgunPretrainer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 20))
    >>> y = X[:, 0] - 2 * X[:, 1] + 0.1 * rng.normal(size=300)
    >>> pre = ShotgunPretrainer(n_models=4, max_epochs=30, random_state=0, verbose=0)
    >>> pre = pre.fit(X, y)
    >>> len(pre.library_)
    4
    >>> mean, std = pre.predict(X[:3], return_std=True)
    >>> mean.shape, std.shape
    ((3,), (3,))
    """

    def __init__(
        self,
        featurizer: Any = None,
        *,
        n_models: int = 100,
        n_hidden_layers: tuple[int, int] = (3, 6),
        max_first_width: int = 400,
        last_width: tuple[int, int] = (10, 30),
        max_features: int = 500,
        max_sparsity: float = 0.9,
        column_pool: str = "informative",
        bootstrap_size: float | int | tuple = (0.5, 1.0),
        max_epochs: int | tuple[int, int] = (100, 200),
        learning_rate: float | tuple[float, float] = (3e-4, 3e-3),
        batch_size: int = 128,
        early_stopping: int | None = 10,
        task: str = "auto",
        engine: str = "batched",
        device: str = "cpu",
        precision: str = "fp32",
        oob_interval: int = 1,
        chunk_size: int = 32,
        checkpoint_dir: str | os.PathLike | None = None,
        n_jobs: int | None = None,
        random_state: Any = None,
        verbose: int = 1,
        property: str = "",
        units: str = "",
        material: str = "",
        dataset: str = "",
        target_transform: str | None = None,
    ) -> None:
        self.featurizer = featurizer
        self.n_models = n_models
        self.n_hidden_layers = n_hidden_layers
        self.max_first_width = max_first_width
        self.last_width = last_width
        self.max_features = max_features
        self.max_sparsity = max_sparsity
        self.column_pool = column_pool
        self.bootstrap_size = bootstrap_size
        self.max_epochs = max_epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.task = task
        self.engine = engine
        self.device = device
        self.precision = precision
        self.oob_interval = oob_interval
        self.chunk_size = chunk_size
        self.checkpoint_dir = checkpoint_dir
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.property = property
        self.units = units
        self.material = material
        self.dataset = dataset
        self.target_transform = target_transform

    # -- validation ---------------------------------------------------------------------
    def _check_params(self) -> None:
        for name in (
            "n_models", "max_first_width", "max_features", "batch_size", "chunk_size",
            "oob_interval",
        ):  # fmt: skip
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        for name in ("property", "units", "material", "dataset"):
            # Checked before training: every source model (and library.json) needs strings.
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a string, got {getattr(self, name)!r}.")
        _as_range(self.n_hidden_layers, "n_hidden_layers", int)
        _as_range(self.last_width, "last_width", int)
        _as_range(self.max_epochs, "max_epochs", int)
        _as_range(self.learning_rate, "learning_rate")
        low, high = _as_range(self.bootstrap_size, "bootstrap_size")
        if type(low) is not type(high):
            raise ValueError("bootstrap_size must hold two ints (rows) or two floats (fractions).")
        if not 0 <= self.max_sparsity <= 1:
            raise ValueError(f"max_sparsity must be in [0, 1], got {self.max_sparsity!r}.")
        if self.early_stopping is not None and (
            not isinstance(self.early_stopping, numbers.Integral) or self.early_stopping < 1
        ):
            raise ValueError(
                f"early_stopping must be None or a positive integer, got {self.early_stopping!r}."
            )
        if self.column_pool not in ("informative", "all"):
            raise ValueError(
                f"column_pool must be 'informative' or 'all', got {self.column_pool!r}."
            )
        if self.task not in ("auto", "regression", "classification"):
            raise ValueError(
                f"task must be 'auto', 'regression' or 'classification', got {self.task!r}."
            )
        if self.engine not in ("batched", "skorch"):
            raise ValueError(f"engine must be 'batched' or 'skorch', got {self.engine!r}.")
        if self.precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be 'fp32' or 'bf16', got {self.precision!r}.")
        if self.engine == "skorch" and (self.precision != "fp32" or self.oob_interval != 1):
            raise ValueError(
                "engine='skorch' trains in float32 and evaluates every epoch: it needs "
                f"precision='fp32' and oob_interval=1, got {self.precision!r} and "
                f"{self.oob_interval!r}."
            )
        check_target_transform(self.target_transform)
        if self.target_transform not in (None, "log10") and self.featurizer is None:
            raise ValueError(
                f"target_transform={self.target_transform!r} needs the raw inputs (SMILES or "
                "formulas) to compute each row's size; it cannot be used with featurizer=None."
            )

    def _descriptors(self, X: Any, fit: bool) -> Any:
        """Descriptor matrix (float32 dense or CSR) of raw inputs, NaN rows rejected."""
        if self.featurizer is None:
            from sklearn.utils.validation import validate_data

            D = validate_data(
                self, X, reset=fit, accept_sparse="csr", dtype=np.float32, ensure_all_finite=True
            )
        else:
            if fit:
                self.featurizer_ = clone(self.featurizer).fit(X)
            D = self.featurizer_.transform(X)
            D = D.astype(np.float32) if sp.issparse(D) else np.asarray(D, dtype=np.float32)
            values = D.data if sp.issparse(D) else D
            if not np.isfinite(values).all():
                dense_bad = D.toarray() if sp.issparse(D) else D
                rows = np.flatnonzero(~np.isfinite(dense_bad).all(axis=1))
                raise ValueError(
                    f"The featurizer returned NaN or inf for rows {rows[:20].tolist()}"
                    f"{' ...' if len(rows) > 20 else ''}; fix or drop those inputs first."
                )
        return D.tocsr() if sp.issparse(D) else np.ascontiguousarray(D)

    def _targets(self, y: Any, n_rows: int) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1:
            y = y.ravel() if y.ndim == 2 and y.shape[1] == 1 else y
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D, got shape {y.shape}.")
        if len(y) != n_rows:
            raise ValueError(f"X has {n_rows} rows but y has {len(y)}.")
        check_finite_target(y)
        task = self.task
        if task == "auto":
            # Floats are measurements; labels are strings, booleans or a few integers.
            few_ints = y.dtype.kind in "iu" and len(np.unique(y)) <= _MAX_AUTO_CLASSES
            task = "classification" if y.dtype.kind in "bOUS" or few_ints else "regression"
        self.task_ = task
        if task == "classification":
            self.classes_, codes = np.unique(y, return_inverse=True)
            if len(self.classes_) < 2:
                raise ValueError(
                    f"Classification needs at least two classes in y; got {len(self.classes_)} "
                    "class."
                )
            return codes.astype(np.int64)
        try:
            return y.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError("y must be numeric for regression.") from None

    # -- model drawing --------------------------------------------------------------------
    def _candidate_columns(self, D: Any) -> np.ndarray:
        if self.column_pool == "all":
            return np.arange(D.shape[1])
        n_rows = D.shape[0]
        if sp.issparse(D):
            nonzero = np.diff(D.tocsc().indptr)
            D64 = D.astype(np.float64)
            mean = np.asarray(D64.mean(axis=0)).ravel()
            var = np.asarray(D64.multiply(D64).mean(axis=0)).ravel() - mean**2
        else:
            nonzero = np.count_nonzero(D, axis=0)
            mean = D.mean(axis=0, dtype=np.float64)
            var = D.var(axis=0, dtype=np.float64)
        dense_enough = (n_rows - nonzero) <= self.max_sparsity * n_rows
        # Constant columns are judged against their own magnitude: a threshold relative to
        # the largest variance of all columns dropped every small-scale column (118 of the
        # 290 composition features, electronegativities among them, beside sound velocities).
        varies = var > 1e-12 * mean**2
        return np.flatnonzero(dense_enough & varies & (var > 0))

    def _draw_specs(self, n_rows: int, n_outputs: int) -> tuple[list[ModelSpec], list[int]]:
        """Every model's spec and seed, a pure function of random_state and the data shape."""
        root = self.random_state
        if isinstance(root, np.random.RandomState):
            root = int(root.randint(np.iinfo(np.int32).max))
        children = np.random.SeedSequence(root).spawn(self.n_models)
        layers = _as_range(self.n_hidden_layers, "n_hidden_layers", int)
        last = _as_range(self.last_width, "last_width", int)
        epochs = _as_range(self.max_epochs, "max_epochs", int)
        rates = _as_range(self.learning_rate, "learning_rate")
        boot_low, boot_high = _as_range(self.bootstrap_size, "bootstrap_size")
        boot = (_resolve_size(boot_low, n_rows), _resolve_size(boot_high, n_rows))
        if boot[0] < 2:
            raise ValueError(
                f"bootstrap_size {self.bootstrap_size!r} gives fewer than 2 of {n_rows} rows."
            )
        candidates = self.descriptor_columns_
        specs, seeds = [], []
        for child in children:
            rng = np.random.default_rng(child)
            seed = int(child.generate_state(1)[0])
            n_cols = min(self.max_features, len(candidates))
            columns = np.sort(rng.choice(candidates, size=n_cols, replace=False)).astype(np.int64)
            arch = sample_architecture(
                rng,
                n_cols,
                n_outputs,
                n_hidden_layers=layers,
                max_first_width=self.max_first_width,
                last_width=last,
            )
            train_rows = rng.integers(0, n_rows, size=_draw_int(rng, boot)).astype(np.int64)
            valid_rows = np.setdiff1d(np.arange(n_rows), train_rows).astype(np.int64)
            if len(valid_rows) == 0:
                raise ValueError(
                    f"A bootstrap sample of {len(train_rows)} rows out of {n_rows} left no "
                    "out-of-bag rows to evaluate on; lower bootstrap_size or add data."
                )
            specs.append(
                ModelSpec(
                    architecture=arch,
                    columns=columns,
                    train_rows=train_rows,
                    valid_rows=valid_rows,
                    learning_rate=_draw_log(rng, rates),
                    max_epochs=_draw_int(rng, epochs),
                    batch_size=int(self.batch_size),
                    patience=self.early_stopping,
                    seed=seed % (2**31),
                    task=self.task_,
                    valid_every=int(self.oob_interval),
                )
            )
            seeds.append(seed)
        return specs, seeds

    # -- building SourceModels ---------------------------------------------------------------
    def _source_model(self, spec: ModelSpec, seed: int, result: TrainResult, D, y) -> SourceModel:
        X_valid = D[spec.valid_rows][:, spec.columns]
        X_valid = X_valid.toarray() if sp.issparse(X_valid) else X_valid
        raw = predict_state_dict(result.state_dict, (X_valid - result.x_mean) / result.x_scale)
        if self.task_ == "classification":
            names, pred = CLASSIFICATION_METRICS, raw.argmax(axis=1)
        else:
            names, pred = REGRESSION_METRICS, raw[:, 0] * result.y_scale + result.y_mean
        # The same metric definitions as the nested evaluation of transfer.
        metrics = {name: METRICS[name](y[spec.valid_rows], pred) for name in names}
        metrics.update(rows="out-of-bag", n_rows=len(spec.valid_rows))
        featurizer = featurizer_spec(self.featurizer_) if self.featurizer is not None else None
        descriptor = _descriptor_label(featurizer)
        return SourceModel(
            id=make_model_id(
                "-".join(filter(None, [self.property or "y", self.target_transform])),
                descriptor,
                seed,
            ),
            architecture=list(spec.architecture),
            state_dict=result.state_dict,
            columns=spec.columns,
            x_mean=result.x_mean,
            x_scale=result.x_scale,
            y_mean=result.y_mean,
            y_scale=result.y_scale,
            featurizer=featurizer,
            task=self.task_,
            classes=[_jsonable(c) for c in self.classes_]
            if self.task_ == "classification"
            else None,
            property=self.property,
            units=self.units,
            material=self.material,
            dataset=self.dataset,
            target_transform=self.target_transform,
            training={
                "seed": seed,
                "n_samples": len(spec.train_rows),
                "bootstrap_sha256": hashlib.sha256(spec.train_rows.tobytes()).hexdigest(),
                "epochs": result.epochs_run,
                "best_epoch": result.best_epoch,
                "max_epochs": spec.max_epochs,
                "optimizer": "adam",
                "lr": spec.learning_rate,
                "batch_size": spec.batch_size,
                "patience": spec.patience,
                "engine": self.engine,
                "precision": self.precision,
                "oob_interval": int(self.oob_interval),
                "created_with": __version__,
            },
            metrics=metrics,
        )

    # -- checkpoints --------------------------------------------------------------------------
    def _run_fingerprint(self, D, y) -> str:
        """Identifies the data and every parameter that changes the trained pool."""
        digest = hashlib.sha256()
        if sp.issparse(D):
            for part in (D.indptr, D.indices, D.data):
                digest.update(np.ascontiguousarray(part).tobytes())
        else:
            digest.update(np.ascontiguousarray(D).tobytes())
        digest.update(np.ascontiguousarray(y).tobytes())
        # The columns the networks may draw: a change in how they are chosen (another
        # version) must not mix old and new chunks.
        digest.update(np.ascontiguousarray(self.descriptor_columns_, dtype=np.int64).tobytes())
        params = self.get_params(deep=False)
        # Network i does not depend on n_models (i-th child seed): a pool can be grown.
        for name in ("n_jobs", "verbose", "checkpoint_dir", "n_models"):
            params.pop(name)
        # Defaults left out: checkpoints saved before these parameters existed stay valid.
        for name, default in (("precision", "fp32"), ("oob_interval", 1)):
            if params[name] == default:
                params.pop(name)
        params["featurizer"] = (
            featurizer_spec(self.featurizer_) if self.featurizer is not None else None
        )
        digest.update(json.dumps(params, sort_keys=True, default=repr).encode())
        return digest.hexdigest()

    @contextlib.contextmanager
    def _open_checkpoint(self, fingerprint: str) -> Iterator[Path | None]:
        """The checkpoint folder, locked and cleaned of a killed run's temporary files."""
        if self.checkpoint_dir is None:
            yield None
            return
        if self.random_state is None or isinstance(self.random_state, np.random.RandomState):
            raise ValueError(
                "checkpoint_dir needs an integer random_state, so that a resumed run draws "
                "the same networks as the interrupted one."
            )
        folder = Path(self.checkpoint_dir)
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(folder / "checkpoint.lock", mode=0o666 & ~current_umask())
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise RuntimeError(
                f"{folder} is in use by another ShotgunPretrainer.fit (it holds "
                f"{lock.lock_file}); wait for that run to end (a later fit re-uses its saved "
                "chunks) or use another checkpoint_dir."
            ) from None
        try:
            _remove_partial_saves(folder)
            self._check_manifest(folder, fingerprint)
            yield folder
        finally:
            lock.release()

    def _check_manifest(self, folder: Path, fingerprint: str) -> None:
        manifest = folder / "checkpoint.json"
        record = {
            "format": _CHECKPOINT_FORMAT,
            "fingerprint": fingerprint,
            "n_models": self.n_models,
        }
        if manifest.exists():
            found = json.loads(manifest.read_text())
            if found.get("format") != _CHECKPOINT_FORMAT:
                raise ValueError(
                    f"{folder} holds a checkpoint in format {found.get('format')!r} (this version "
                    f"writes format {_CHECKPOINT_FORMAT}); use another checkpoint_dir or delete it."
                )
            if found.get("fingerprint") != fingerprint:
                raise ValueError(
                    f"{folder} holds a checkpoint of a different run (other data or parameters); "
                    "use another checkpoint_dir or delete it."
                )
        else:
            atomic_write_text(manifest, json.dumps(record, indent=1))

    @staticmethod
    def _chunk_path(folder: Path, index: int) -> Path:
        return folder / f"chunk-{index:05d}"

    def _chunk_plan(self, folder: Path | None) -> list[tuple[int, int, Path | None, int]]:
        """``(start, stop, saved chunk or None, folder index)`` covering ``range(n_models)``.

        Saved chunks (each library is named ``"models START-STOP"``) are re-used as long as
        they continue the networks covered so far; the rest is cut into ``chunk_size`` steps.
        An uninterrupted run and a resumed one therefore cut the same chunks, and a grown pool
        keeps its saved chunks.
        """
        saved: dict[int, tuple[int, Path]] = {}
        used: set[int] = set()
        if folder is not None:
            for path in folder.glob("chunk-*"):
                found = re.fullmatch(r"chunk-(\d+)", path.name)
                if found is None or not (path / "library.json").is_file():
                    continue
                used.add(int(found.group(1)))
                name = json.loads((path / "library.json").read_text()).get("name", "")
                bounds = re.fullmatch(r"models (\d+)-(\d+)", name)
                if bounds:
                    start, stop = int(bounds.group(1)), int(bounds.group(2))
                    if stop > saved.get(start, (start, None))[0]:
                        saved[start] = (stop, path)
        plan, position, index = [], 0, 0
        while position < self.n_models:
            if position in saved:
                stop, path = saved[position]
                plan.append((position, min(stop, self.n_models), path, -1))
                position = stop
                continue
            while index in used:
                index += 1
            used.add(index)
            stop = min(position + self.chunk_size, self.n_models)
            plan.append((position, stop, None, index))
            position = stop
        return plan

    # -- fit / predict ------------------------------------------------------------------------
    def fit(self, X: Any, y: Any, *, callback: Any = None) -> ShotgunPretrainer:
        """Featurize ``X`` and pretrain the pool on ``y``.

        Parameters
        ----------
        X : raw inputs accepted by ``featurizer``, or a descriptor matrix when it is None
        y : array-like of shape (n_samples,)
            The source property (floats) or classes.
        callback : callable, optional
            Called as ``callback(n)`` with the number of networks that just finished
            training (a progress bar over several pools). With ``n_jobs=1`` (one worker in
            this process) it is called as each network finishes; with several workers, once
            per finished chunk. Networks re-used from ``checkpoint_dir`` are not reported.
            An exception raised by it stops the fit (the chunks saved so far stay saved).

        Returns
        -------
        self
        """
        self._check_params()
        D = self._descriptors(X, fit=True)
        if D.shape[0] < _MIN_ROWS:
            raise ValueError(
                f"Pretraining needs at least {_MIN_ROWS} rows (bootstrap plus out-of-bag "
                f"rows); got n_samples={D.shape[0]}."
            )
        y = self._targets(y, D.shape[0])
        if self.target_transform is not None:
            if self.task_ == "classification":
                raise ValueError("target_transform applies to regression targets only.")
            inputs = (
                "formula" if getattr(self.featurizer_, "input", None) == "formula" else "smiles"
            )
            X_items = X if self.featurizer is None else coerce_items(X, "inputs")[0]
            y = transform_target(self.target_transform, X_items, y, inputs=inputs)
        self.descriptor_columns_ = self._candidate_columns(D)
        if len(self.descriptor_columns_) == 0:
            raise ValueError(
                "No descriptor column is both non-constant and non-zero in at least "
                f"{1 - self.max_sparsity:.0%} of the rows; raise max_sparsity."
            )
        n_outputs = len(self.classes_) if self.task_ == "classification" else 1
        specs, seeds = self._draw_specs(D.shape[0], n_outputs)
        with self._open_checkpoint(self._run_fingerprint(D, y)) as folder:
            plan = self._chunk_plan(folder)
            chunks = [(start, stop) for start, stop, _, _ in plan]
            done: dict[int, list[SourceModel]] = {}
            for index, (start, stop, path, _) in enumerate(plan):
                if path is not None:
                    done[index] = list(ModelLibrary.load(path))[: stop - start]
            todo = [i for i in range(len(chunks)) if i not in done]

            n_jobs = effective_n_jobs(self.n_jobs)
            threads = max(1, (os.cpu_count() or 1) // n_jobs) if n_jobs > 1 else None
            bar = tqdm(
                total=self.n_models,
                initial=sum(len(m) for m in done.values()),
                desc=f"pretraining {self.property or 'pool'}",
                unit="model",
                disable=not self.verbose,
            )

            def finished(n: int) -> None:
                bar.update(n)
                if callback is not None:
                    callback(n)

            # One worker runs the chunks in this process, where a callback per network can
            # reach the bar; workers in other processes report whole chunks.
            results = Parallel(n_jobs=self.n_jobs, return_as="generator")(
                delayed(_train_chunk)(
                    specs[chunks[i][0] : chunks[i][1]],
                    D,
                    y,
                    self.engine,
                    self.device,
                    threads,
                    _increments(finished) if n_jobs == 1 else None,
                    self.precision,
                )
                for i in todo
            )
            try:
                for index, trained in zip(todo, results, strict=True):
                    start, stop = chunks[index]
                    models = [
                        self._source_model(specs[j], seeds[j], res, D, y)
                        for j, res in zip(range(start, stop), trained, strict=True)
                    ]
                    if folder is not None:
                        ModelLibrary(models, name=f"models {start}-{stop}").save(
                            self._chunk_path(folder, plan[index][3])
                        )
                    done[index] = models
                    if n_jobs != 1:
                        finished(len(models))
            finally:
                bar.close()
        self.n_trained_ = sum(chunks[i][1] - chunks[i][0] for i in todo)
        self.library_ = ModelLibrary(
            [m for i in range(len(chunks)) for m in done[i]],
            name=f"{self.property or 'source'} pool",
            description=(
                f"{self.n_models} pyramid networks pretrained on "
                f"{self.property or 'a source property'}"
                f"{' (' + self.dataset + ')' if self.dataset else ''} "
                f"by sklearn-shotgun {__version__}."
            ),
        )
        return self

    def predict(
        self, X: Any, return_std: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Mean prediction of the pool (regression) or the majority of the mean probabilities.

        Parameters
        ----------
        X : raw inputs, or a descriptor matrix when ``featurizer`` is None
        return_std : bool, default=False
            Also return the standard deviation across the pool (regression only).

        Returns
        -------
        mean : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,), only with ``return_std=True``
        """
        check_is_fitted(self, "library_")
        D = self._descriptors(X, fit=False)
        if self.task_ == "classification":
            if return_std:
                raise ValueError("return_std is only available for regression pools.")
            return self.classes_[self._mean_proba(D).argmax(axis=1)]
        preds = np.stack([m.predict(D, precomputed=True) for m in self.library_])
        mean = preds.mean(axis=0)
        return (mean, preds.std(axis=0)) if return_std else mean

    @available_if(_is_classification_pool)
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities averaged over the pool (classification pools only)."""
        check_is_fitted(self, "library_")
        return self._mean_proba(self._descriptors(X, fit=False))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self.featurizer is None
        tags.non_deterministic = False
        return tags

    def _mean_proba(self, D: Any) -> np.ndarray:
        return np.mean([m.predict_proba(D, precomputed=True) for m in self.library_], axis=0)


def _jsonable(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _remove_partial_saves(folder: Path) -> None:
    """Delete what a killed save leaves in a checkpoint folder (call with the lock held).

    ``ModelLibrary.save`` builds a chunk in ``.chunk-NNNNN.tmp-*`` and may leave the previous
    copy in ``.chunk-NNNNN.old-*``; ``atomic_write_text`` writes ``.checkpoint.json.*.tmp``.
    Chunks are never overwritten, so none of these holds anything a resumed run needs.
    """
    for pattern in (".chunk-*.tmp-*", ".chunk-*.old-*", ".checkpoint.json.*.tmp"):
        for path in folder.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
