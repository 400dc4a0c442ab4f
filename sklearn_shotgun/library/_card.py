"""The model card of a library: the ``README.md`` of its folder and of its Hub repository.

YAML front matter for the Hub (``library_name``, tags, licence, data sets, a ``model-index``
of median metrics per source property), then the sources with their target forms and
out-of-bag metrics, the featurizer settings, the licence, citation and origin of each source
data set (from :data:`sklearn_shotgun.datasets.DATASETS`), the method's citation and a usage
snippet that runs as printed when a source's data set is registered.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sklearn_shotgun.library.library import ModelLibrary

__all__ = ["model_card"]


def _yaml(data: dict[str, Any]) -> str:
    try:
        import yaml
    except ImportError:  # JSON is valid YAML, so the card stays parseable without PyYAML
        return json.dumps(data, indent=2)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)


def _range(values: list[int]) -> str:
    return f"{min(values)}" if min(values) == max(values) else f"{min(values)}-{max(values)}"


def _metric_names(members: list[dict[str, Any]]) -> list[str]:
    return sorted({k for m in members for k, v in (m["metrics"] or {}).items() if _numeric(v)})


def model_card(library: ModelLibrary, repo_id: str | None = None) -> str:
    """The ``README.md`` of a library: YAML front matter for the Hub and a summary of the pool.

    The front matter carries ``library_name: sklearn-shotgun``, tags, the source data sets, the
    licence and a ``model-index`` with, per (property, data set), the *median* of each metric
    over the pool's models. The body lists the properties, descriptors, architecture ranges and
    metric quantiles, and how to load the library.
    """
    meta = library._entries_metadata()
    n = len(meta)
    tasks = sorted({m["task"] for m in meta})
    descriptors = Counter(m["descriptor"] for m in meta)
    datasets = sorted({m["dataset"] for m in meta if m["dataset"]})

    groups: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for m in meta:
        groups[(m["property"], m["units"], m["dataset"], m["task"])].append(m)

    results = []
    for (prop, units, dataset, task), members in groups.items():
        metric_names = _metric_names(members)
        if not metric_names:
            continue
        rows = sorted({str(m["metrics"].get("rows")) for m in members if m["metrics"].get("rows")})
        rows_text = f" ({', '.join(rows)} rows)" if rows else ""
        metrics = []
        for name in metric_names:
            values = [m["metrics"][name] for m in members if _numeric(m["metrics"].get(name))]
            metrics.append(
                {
                    "type": name,
                    "value": round(float(np.median(values)), 6),
                    "name": f"median {name} over {len(values)} models{rows_text}",
                }
            )
        label = f"{prop} ({units})" if units else prop
        results.append(
            {
                "task": {"type": f"tabular-{task}", "name": label or "source property"},
                "dataset": {"name": dataset or prop or "unknown", "type": dataset or "custom"},
                "metrics": metrics,
            }
        )

    front: dict[str, Any] = {
        "library_name": "sklearn-shotgun",
        "license": library.license or "unknown",
        "tags": [
            "sklearn-shotgun",
            "shotgun-transfer-learning",
            "transfer-learning",
            "materials-science",
            "chemistry",
            "safetensors",
            *[f"tabular-{t}" for t in tasks],
        ],
    }
    if datasets:
        front["datasets"] = datasets
    if results:
        front["model-index"] = [
            {"name": library.name or "sklearn-shotgun-library", "results": results}
        ]

    title = library.name or "sklearn-shotgun model library"
    lines = [f"---\n{_yaml(front)}---", "", f"# {title}", ""]
    if library.description:
        lines += [library.description, ""]
    lines += [
        f"A pool of **{n}** pretrained source networks for shotgun transfer learning "
        "(Yamada et al., ACS Cent. Sci. 2019), stored by "
        "[sklearn-shotgun](https://pypi.org/project/sklearn-shotgun/): `library.json` holds the "
        "metadata, `shards/*.safetensors` the weights (no pickles; every model's tensors are "
        "checked against the sha256 in `library.json` on load).",
        "",
    ]
    lines += _usage(library, repo_id)
    if n:
        lines += ["## Source properties", ""]
        lines += [
            "| property | units | material | dataset | task | models |",
            "|---|---|---|---|---|---|",
        ]
        counts = Counter(
            (m["property"], m["units"], m["material"], m["dataset"], m["task"]) for m in meta
        )
        for (prop, units, material, dataset, task), count in sorted(counts.items()):
            lines.append(f"| {prop} | {units} | {material} | {dataset} | {task} | {count} |")
        lines += ["", "## Descriptors", ""]
        lines += [f"- `{d}`: {c} models" for d, c in sorted(descriptors.items())]
        archs = [list(m["architecture"]) for m in meta]
        lines += [
            "",
            "## Architectures",
            "",
            f"- input columns: {_range([a[0] for a in archs])}",
            f"- hidden layers: {_range([len(a) - 2 for a in archs])}",
            f"- first hidden width: {_range([a[1] for a in archs])}",
            f"- last hidden width: {_range([a[-2] for a in archs])}",
            "",
        ]
        quantile_rows = []
        for (prop, _units, dataset, _task), members in sorted(groups.items()):
            names = sorted(
                {k for m in members for k, v in (m["metrics"] or {}).items() if _numeric(v)}
            )
            for name in names:
                values = [m["metrics"][name] for m in members if _numeric(m["metrics"].get(name))]
                q = np.quantile(values, [0.0, 0.25, 0.5, 0.75, 1.0])
                cells = " | ".join(f"{v:.4g}" for v in q)
                quantile_rows.append(f"| {prop} | {dataset} | {name} | {len(values)} | {cells} |")
        if quantile_rows:
            lines += [
                "## Metric distribution over the pool",
                "",
                "| property | dataset | metric | models | min | 25% | median | 75% | max |",
                "|---|---|---|---|---|---|---|---|---|",
                *quantile_rows,
                "",
            ]
    lines += _sources_section(library)
    lines += _featurizer_section(library)
    lines += _data_section(library, datasets)
    lines += ["## Citation", "", "```bibtex", _CITATION, "```", ""]
    return "\n".join(lines)


_CITATION = """@article{yamada2019shotgun,
  title   = {Predicting Materials Properties with Little Data Using Shotgun Transfer Learning},
  author  = {Yamada, Hironao and Liu, Chang and Wu, Stephen and Koyama, Yukinori and Ju, Shenghong
             and Shiomi, Junichiro and Morikawa, Junko and Yoshida, Ryo},
  journal = {ACS Central Science},
  volume  = {5},
  number  = {10},
  pages   = {1717--1730},
  year    = {2019},
  doi     = {10.1021/acscentsci.9b00804}
}"""


def _registry() -> dict[str, Any]:
    from sklearn_shotgun.datasets import DATASETS

    return dict(DATASETS)


def _source_records(library: ModelLibrary) -> dict[str, dict[str, Any]]:
    sources = (library.metadata or {}).get("sources")
    return sources if isinstance(sources, dict) else {}


def _usage(library: ModelLibrary, repo_id: str | None) -> list[str]:
    """A usage snippet; it runs as is when a source's data set is in the registry (it then
    stands in for the user's small target)."""
    repo = repo_id or "<repo_id>"
    registry = _registry()
    example = None
    for record in _source_records(library).values():
        if isinstance(record, dict) and record.get("dataset") in registry:
            dataset = registry[record["dataset"]]
            if len(dataset.inputs) == 1 and record.get("target") in dataset.targets:
                example = (record["dataset"], record["target"])
                break
    if example is None:  # a pool not built from a recipe: a registered data set it names
        for name in sorted({m["dataset"] for m in library._entries_metadata()}):
            if name in registry and len(registry[name].inputs) == 1:
                example = (name, registry[name].default_target)
                break
    lines = [
        "## Usage",
        "",
        "```python",
        "from sklearn_shotgun import ModelLibrary, ShotgunTransferRegressor",
    ]
    if example:
        lines += ["from sklearn_shotgun.datasets import fetch_dataset"]
    lines += [
        "",
        "# every model, or only the shards a filter needs: .from_hub(repo, property=...)",
        f'library = ModelLibrary.from_hub("{repo}")',
    ]
    if example:
        lines += [
            f"# a small target: here 40 rows of {example[0]} ({example[1]}); use your own data",
            f'X, y = fetch_dataset("{example[0]}", target="{example[1]}", return_X_y=True)',
            "X, y = list(X[:40]), y[:40]",
        ]
    else:
        lines += ["# X_small: raw inputs (SMILES or formulas) of your target, y_small its values"]
    fit = "X, y" if example else "X_small, y_small"
    lines += [
        f"model = ShotgunTransferRegressor(library, cv=3, random_state=0).fit({fit})",
        "print(model.best_source_)",
        "```",
        "",
        f'A transfer estimator also takes the name directly: `library="hf://{repo}@<commit>"` '
        "(pin a commit hash so that a later push does not change your results).",
        "",
    ]
    return lines


def _sources_section(library: ModelLibrary) -> list[str]:
    """Per source: target form, descriptor, models and out-of-bag metrics."""
    if not len(library):
        return []
    table = library.summary()
    lines = [
        "## Sources and their out-of-bag metrics",
        "",
        "Target form: the transform the networks learned (`per_gram`, `per_heavy_atom`, "
        "`log10`, ...; none: as published). Metrics are each network's out-of-bag R2 and MAE "
        "(rows of the source data it did not train on), median and range over the source's "
        "networks; *weak*: median R2 below 0.5.",
        "",
        "| source | property | target form | units | material | dataset | descriptor | models "
        "| R2 median (min-max) | MAE median (min-max) | weak |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def cell(row: Any, metric: str) -> str:
        med, lo, hi = (row[f"{metric}_{k}"] for k in ("median", "min", "max"))
        return "-" if not np.isfinite(med) else f"{med:.3g} ({lo:.3g}-{hi:.3g})"

    for _, row in table.iterrows():
        lines.append(
            f"| {row['source']} | {row['property']} | {row['target_transform'] or 'none'} "
            f"| {row['units']} | {row['material']} | {row['dataset']} | {row['descriptor']} "
            f"| {row['n_models']} | {cell(row, 'r2')} | {cell(row, 'mae')} "
            f"| {'yes' if row['weak'] else ''} |"
        )
    return [*lines, ""]


def _featurizer_section(library: ModelLibrary) -> list[str]:
    """The distinct featurizer settings (class and parameters) of the pool."""
    specs: Counter[str] = Counter()
    for obj in library._models.values():
        entry = getattr(obj, "entry", None)
        spec = entry.get("featurizer") if entry is not None else obj.featurizer
        specs[json.dumps(spec, sort_keys=True)] += 1
    if not specs:
        return []
    lines = ["## Featurizer settings", ""]
    for spec, count in sorted(specs.items()):
        lines.append(f"- {count} models: `{spec}`")
    return [*lines, ""]


def _data_section(library: ModelLibrary, datasets: list[str]) -> list[str]:
    """Licence, citation and origin of every source data set (from the data set registry, or
    the licence the build recorded)."""
    if not datasets:
        return []
    registry = _registry()
    recorded = {
        r.get("dataset"): r.get("licence")
        for r in _source_records(library).values()
        if isinstance(r, dict)
    }
    lines = [
        "## Source data and licences",
        "",
        f"The library as a whole is released under `{library.license or 'unknown'}`; the "
        "networks were trained on these data sets, whose licences and citations apply:",
        "",
        "| dataset | title | licence | citation | origin |",
        "|---|---|---|---|---|",
    ]
    for name in datasets:
        ds = registry.get(name)
        if ds is not None:
            lines.append(f"| {name} | {ds.title} | {ds.licence} | {ds.citation} | {ds.source} |")
        else:
            licence = recorded.get(name) or "not recorded"
            lines.append(f"| {name} | | {licence} | | |")
    return [*lines, ""]
