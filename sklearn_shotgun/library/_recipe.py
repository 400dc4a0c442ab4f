"""Library recipes: a TOML file listing the sources of a model library, parsed and validated.

A recipe names, for every source property, the registered data set it comes from
(:data:`sklearn_shotgun.datasets.DATASETS`), the target column and its form, the featurizer,
the pool size and the pretrainer settings. ``sklearn_shotgun/recipes/quick.toml`` is a
commented example. Layout::

    format = 1
    name = "quick"
    description = "..."
    license = "other"        # of the built library; each source's data licence is recorded
    random_state = 0          # default seed of build_library

    [defaults]                # inherited by every source; a source overrides any key
    n_models = 16
    featurizer = { class = "DescriptorFeaturizer" }
    [defaults.pretrainer]     # merged key by key with a source's own [pretrainer] table
    max_epochs = [30, 60]

    [sources.qm9_cv_per_gram]
    dataset = "qm9"           # a registry name (sklearn_shotgun.datasets.fetch_dataset)
    target = "Heatcapacity_Cv_cal_mol_K"
    target_transform = "per_gram"   # none | per_gram | per_heavy_atom | per_atom | log10
    property = "Cv"           # default: the target column
    n_samples = 5000          # random rows (seeded); default: every row

Optional source keys: ``input`` (the input column, needed only when the data set has
several), ``units`` and ``material`` (default: the registry's), ``n_samples``, ``n_models``,
``featurizer`` (``class`` plus that class's parameters) and ``pretrainer`` (parameters of
:class:`~sklearn_shotgun.ShotgunPretrainer`, except those the builder sets: the featurizer,
``n_models``, ``random_state``, ``checkpoint_dir``, ``n_jobs``, ``verbose`` and the metadata).
"""

from __future__ import annotations

import inspect
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from sklearn_shotgun._targets import TARGET_TRANSFORMS

__all__ = ["RECIPE_DIR", "Recipe", "RecipeError", "Source", "available_recipes", "load_recipe"]

#: Folder of the recipes shipped with the package.
RECIPE_DIR = Path(__file__).resolve().parents[1] / "recipes"

_FORMAT = 1
_TOP_KEYS = {"format", "name", "description", "license", "random_state", "defaults", "sources"}
_SOURCE_KEYS = {
    "dataset",
    "target",
    "input",
    "target_transform",
    "property",
    "units",
    "material",
    "n_samples",
    "n_models",
    "featurizer",
    "pretrainer",
}
#: Pretrainer parameters the builder sets itself.
_RESERVED = {
    "featurizer",
    "n_models",
    "random_state",
    "checkpoint_dir",
    "n_jobs",
    "verbose",
    "property",
    "units",
    "material",
    "dataset",
    "target_transform",
}
_MATERIALS = ("molecule", "polymer", "inorganic")
#: Input kinds of the registry that the featurizers read as SMILES or as formulas.
_SMILES_KINDS = ("smiles", "polymer_smiles")


_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class RecipeError(ValueError):
    """A recipe that cannot be built; the message names the file and the source."""


@dataclass(frozen=True)
class Source:
    """One validated recipe source (see the module docstring for the keys)."""

    name: str
    dataset: str
    target: str
    input: str
    target_transform: str | None
    property: str
    units: str
    material: str
    licence: str
    n_samples: int | None
    n_models: int
    featurizer: dict[str, Any]
    pretrainer: dict[str, Any] = field(default_factory=dict)

    def make_featurizer(self) -> Any:
        from sklearn_shotgun.library.source_model import get_featurizer_class

        params = {k: v for k, v in self.featurizer.items() if k != "class"}
        return get_featurizer_class(self.featurizer["class"])(**params)

    def pretrainer_params(self) -> dict[str, Any]:
        """Pretrainer settings with TOML arrays turned into the tuples the ranges expect."""
        return {k: tuple(v) if isinstance(v, list) else v for k, v in self.pretrainer.items()}


@dataclass(frozen=True)
class Recipe:
    """A validated recipe: its sources in file order and the library's description."""

    name: str
    description: str
    license: str
    random_state: int
    sources: tuple[Source, ...]
    path: Path
    text: str


def available_recipes() -> list[str]:
    """Names of the recipes shipped with the package (``build_library(name, ...)``)."""
    return sorted(p.stem for p in RECIPE_DIR.glob("*.toml"))


def _fail(where: str, message: str) -> RecipeError:
    return RecipeError(f"{where}: {message}")


def _check_keys(table: Any, allowed: set[str], where: str) -> None:
    if not isinstance(table, dict):
        raise _fail(where, f"must be a table, got {table!r}")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _fail(where, f"unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def _positive_int(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(where, f"{key} must be a positive integer, got {value!r}")
    return value


def _featurizer(spec: Any, input_kind: str, where: str) -> dict[str, Any]:
    from sklearn_shotgun.library.source_model import get_featurizer_class

    if not isinstance(spec, dict) or "class" not in spec:
        raise _fail(where, f"featurizer must be a table with a 'class', got {spec!r}")
    try:
        cls = get_featurizer_class(spec["class"])
    except ValueError as exc:
        raise _fail(where, f"featurizer: {exc}") from None
    params = {k: v for k, v in spec.items() if k != "class"}
    accepted = set(inspect.signature(cls).parameters)
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise _fail(
            where, f"{spec['class']} has no parameter(s) {unknown}; it takes {sorted(accepted)}"
        )
    if "input" in accepted and "input" not in params:
        # A composition source reads its data set's inputs as formulas or as SMILES.
        params["input"] = "smiles" if input_kind in _SMILES_KINDS else "formula"
    return {"class": spec["class"], **params}


def _source(name: str, raw: dict[str, Any], defaults: dict[str, Any], where: str) -> Source:
    from sklearn_shotgun import ShotgunPretrainer
    from sklearn_shotgun.datasets import DATASETS

    _check_keys(raw, _SOURCE_KEYS, where)
    merged = {**defaults, **raw}
    merged["pretrainer"] = {**defaults.get("pretrainer", {}), **raw.get("pretrainer", {})}
    for key in ("dataset", "target"):
        if not isinstance(merged.get(key), str):
            raise _fail(where, f"needs a string {key!r}")
    data = DATASETS.get(merged["dataset"])
    if data is None:
        raise _fail(
            where,
            f"unknown dataset {merged['dataset']!r}; registered data sets: {sorted(DATASETS)}",
        )
    if merged["target"] not in data.targets:
        raise _fail(
            where,
            f"data set {data.name!r} has no target {merged['target']!r}; its targets: "
            f"{list(data.targets)}",
        )
    column = merged.get("input", data.inputs[0] if len(data.inputs) == 1 else None)
    if column not in data.inputs:
        raise _fail(
            where,
            f"input must be one of the input columns {list(data.inputs)} of "
            f"data set {data.name!r}, got {column!r}",
        )
    if data.input_kind not in (*_SMILES_KINDS, "formula"):
        raise _fail(
            where,
            f"data set {data.name!r} has {data.input_kind!r} inputs; a source "
            "needs SMILES or formulas",
        )
    form = merged.get("target_transform", "none")
    if form != "none" and form not in TARGET_TRANSFORMS:
        raise _fail(
            where,
            f"target_transform must be 'none' or one of {sorted(TARGET_TRANSFORMS)}, got {form!r}",
        )
    material = merged.get("material", data.material)
    if material not in _MATERIALS:
        raise _fail(where, f"material must be one of {list(_MATERIALS)}, got {material!r}")
    n_samples = merged.get("n_samples")
    if n_samples is not None:
        _positive_int(n_samples, "n_samples", where)
    if "featurizer" not in merged:
        raise _fail(where, "needs a featurizer (here or in [defaults])")
    pretrainer = merged["pretrainer"]
    if not isinstance(pretrainer, dict):
        raise _fail(where, f"pretrainer must be a table, got {pretrainer!r}")
    accepted = set(inspect.signature(ShotgunPretrainer).parameters) - _RESERVED
    unknown = sorted(set(pretrainer) - accepted)
    if unknown:
        raise _fail(
            where, f"unknown pretrainer parameter(s) {unknown}; allowed: {sorted(accepted)}"
        )
    source = Source(
        name=name,
        dataset=data.name,
        target=merged["target"],
        input=column,
        target_transform=None if form == "none" else form,
        property=str(merged.get("property", merged["target"])),
        units=str(merged.get("units", data.targets[merged["target"]])),
        material=material,
        licence=data.licence,
        n_samples=n_samples,
        n_models=_positive_int(merged.get("n_models"), "n_models", where),
        featurizer=_featurizer(merged["featurizer"], data.input_kind, where),
        pretrainer=pretrainer,
    )
    try:  # the pretrainer's own checks, before any data is read
        ShotgunPretrainer(
            source.make_featurizer(),
            n_models=source.n_models,
            target_transform=source.target_transform,
            **source.pretrainer_params(),
        )._check_params()
    except (TypeError, ValueError) as exc:
        raise _fail(where, f"pretrainer: {exc}") from None
    return source


def load_recipe(recipe: str | os.PathLike) -> Recipe:
    """Read and validate a recipe: a shipped name (``"quick"``, ``"mdl"``) or a TOML path.

    Raises
    ------
    RecipeError
        A ``ValueError`` naming the file and the source: invalid TOML, an unknown key, an
        unknown data set, target, featurizer class or parameter, a bad ``target_transform``
        or pretrainer setting.
    """
    path = Path(recipe)
    if path.suffix != ".toml" and not path.exists():
        if str(recipe) not in available_recipes():
            raise RecipeError(
                f"unknown recipe {str(recipe)!r}: give a TOML file or one of {available_recipes()}"
            )
        path = RECIPE_DIR / f"{recipe}.toml"
    text = path.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"{path}: invalid TOML: {exc}") from None
    _check_keys(raw, _TOP_KEYS, str(path))
    if raw.get("format", _FORMAT) != _FORMAT:
        raise _fail(str(path), f"format {raw['format']!r} is not supported (expected {_FORMAT})")
    defaults = raw.get("defaults", {})
    _check_keys(
        defaults, _SOURCE_KEYS - {"dataset", "target", "input", "property"}, f"{path}: [defaults]"
    )
    sources = raw.get("sources")
    if not isinstance(sources, dict) or not sources:
        raise _fail(str(path), "needs at least one [sources.<name>] table")
    # Recipe and source names become folder names (cache, checkpoints): no separators, no "..".
    name = raw.get("name", path.stem)
    for label, value in [("name", name), *(("source name", key) for key in sources)]:
        if not isinstance(value, str) or not _NAME_RE.match(value):
            raise _fail(
                str(path),
                f"{label} {value!r} must be letters, digits, '.', '_' or '-' (at most 64, "
                "starting with a letter or digit): it names a folder",
            )
    random_state = raw.get("random_state", 0)
    if isinstance(random_state, bool) or not isinstance(random_state, int) or random_state < 0:
        raise _fail(str(path), f"random_state must be a non-negative integer, got {random_state!r}")
    return Recipe(
        name=name,
        description=str(raw.get("description", "")),
        license=str(raw.get("license", "other")),
        random_state=random_state,
        sources=tuple(
            _source(name, table, defaults, f"{path}: source {name!r}")
            for name, table in sources.items()
        ),
        path=path,
        text=text,
    )
