"""Forms of a source target: per molecule, per gram, per heavy atom, log10.

Extensive quantities (a heat capacity per molecule, an energy per formula unit) grow with
the size of the molecule; the small targets they are transferred to are often intensive (a
polymer's heat capacity in J/(kg K)). A source network pretrained on the intensive form of
its property learns features that transfer to intensive targets (measured on RadonPy Cp in
``benchmarks/accuracy``), so the pretrainer can train on a declared form of ``y`` and the
form is recorded with every model.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["TARGET_TRANSFORMS", "check_target_transform", "defined_rows", "transform_target"]

#: The forms ``ShotgunPretrainer(target_transform=...)`` accepts and what each divides by.
TARGET_TRANSFORMS = {
    "per_gram": "y divided by the molar mass of the input (g/mol)",
    "per_heavy_atom": "y divided by the number of heavy (non-hydrogen) atoms of the input",
    "per_atom": "y divided by the number of atoms of the input, hydrogens included",
    "log10": "log10(y); every y must be positive",
}


def check_target_transform(value: Any) -> None:
    """Raise a ``ValueError`` unless ``value`` is None or a key of :data:`TARGET_TRANSFORMS`."""
    if value is not None and value not in TARGET_TRANSFORMS:
        raise ValueError(
            f"target_transform must be None or one of {sorted(TARGET_TRANSFORMS)}, got {value!r}."
        )


def _size(item: Any, kind: str, inputs: str) -> float:
    """Molar mass, heavy-atom or atom count of one SMILES (or RDKit Mol) or formula."""
    from rdkit import Chem, rdBase

    from .featurizers._formula import FormulaError, parse_formula
    from .featurizers._smiles import parse_smiles

    if inputs == "smiles":
        # The featurizers' strict parser: "CC junk" is not ethane here either.
        with rdBase.BlockLogs():  # the ValueError names the problem; RDKit's log would not
            mol, reason = parse_smiles(item)
        if mol is None:
            raise ValueError(reason)
        # '*' attachment points of polymer repeat units have atomic number 0 and no mass.
        atoms = [a for a in mol.GetAtoms() if a.GetAtomicNum() > 0]
        if kind == "per_gram":
            return float(sum(a.GetMass() + a.GetTotalNumHs() * 1.008 for a in atoms))
        if kind == "per_heavy_atom":
            return float(sum(a.GetAtomicNum() > 1 for a in atoms))
        return float(sum(1 + a.GetTotalNumHs() for a in atoms))
    if not isinstance(item, str):
        raise ValueError(f"expected a formula string, got {type(item).__name__}")
    try:
        amounts = parse_formula(item)
    except FormulaError as exc:
        raise ValueError(f"not a formula ({exc})") from None
    if kind == "per_gram":
        table = Chem.GetPeriodicTable()
        return float(sum(table.GetAtomicWeight(el) * amt for el, amt in amounts.items()))
    if kind == "per_heavy_atom":
        return float(sum(amt for el, amt in amounts.items() if el != "H"))
    return float(sum(amounts.values()))


def defined_rows(
    kind: str | None, X: Sequence[Any], y: np.ndarray, inputs: str = "smiles"
) -> np.ndarray:
    """Boolean mask of the rows whose target has the form ``kind``.

    :func:`transform_target` refuses a data set with one undefined row; a library build
    leaves such rows out instead (and counts them): a non-positive ``y`` for ``"log10"``,
    an input whose size cannot be computed or is zero for the per-size forms (``[HH]`` has
    no heavy atom).

    Examples
    --------
    >>> import numpy as np
    >>> defined_rows("per_heavy_atom", ["CCO", "[HH]"], np.array([9.0, 1.0]))
    array([ True, False])
    """
    check_target_transform(kind)
    y = np.asarray(y, dtype=np.float64)
    if kind is None:
        return np.ones(len(y), dtype=bool)
    if kind == "log10":
        return y > 0
    keep = np.zeros(len(y), dtype=bool)
    for i, item in enumerate(X):
        with contextlib.suppress(ValueError):
            keep[i] = _size(item, kind, inputs) > 0
    return keep


def transform_target(
    kind: str | None, X: Sequence[Any], y: np.ndarray, inputs: str = "smiles"
) -> np.ndarray:
    """``y`` in the form ``kind`` (see :data:`TARGET_TRANSFORMS`), given the raw inputs ``X``.

    Parameters
    ----------
    kind : str or None
        None returns ``y`` unchanged.
    X : sequence of SMILES, RDKit Mols or formulas
        The inputs the targets belong to (needed for the per-size forms).
    y : ndarray of shape (n_samples,)
    inputs : {"smiles", "formula"}, default="smiles"
        How to read ``X`` ("CO" is methanol as SMILES, carbon monoxide as a formula).

    Returns
    -------
    ndarray of float64

    Raises
    ------
    ValueError
        Naming the first offending row: an input whose size cannot be computed (or is zero),
        or a non-positive ``y`` for ``"log10"``.

    Examples
    --------
    >>> import numpy as np
    >>> transform_target("per_heavy_atom", ["CCO", "c1ccccc1"], np.array([9.0, 12.0]))
    array([3., 2.])
    >>> transform_target("per_gram", ["Fe2O3"], np.array([159.69]), inputs="formula").round(3)
    array([1.])
    """
    check_target_transform(kind)
    if inputs not in ("smiles", "formula"):
        raise ValueError(f"inputs must be 'smiles' or 'formula', got {inputs!r}.")
    y = np.asarray(y, dtype=np.float64)
    if kind is None:
        return y
    if kind == "log10":
        bad = np.flatnonzero(~(y > 0))
        if len(bad):
            raise ValueError(
                f"target_transform='log10' needs positive targets; row {bad[0]} has "
                f"y={float(y[bad[0]])!r} ({len(bad)} such rows)."
            )
        return np.log10(y)
    sizes = np.empty(len(y))
    for i, item in enumerate(X):
        try:
            sizes[i] = _size(item, kind, inputs)
        except ValueError as exc:
            raise ValueError(f"target_transform={kind!r}: row {i} ({item!r}): {exc}") from None
        if not sizes[i] > 0:
            raise ValueError(
                f"target_transform={kind!r}: row {i} ({item!r}) has size {sizes[i]:g}."
            )
    return y / sizes
