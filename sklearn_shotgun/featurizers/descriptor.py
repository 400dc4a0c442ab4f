"""RDKit 2D descriptors of molecules and polymer repeat units."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from rdkit import Chem, rdBase
from rdkit.Chem import Descriptors
from threadpoolctl import threadpool_limits

from ._base import BaseFeaturizer, ChunkResult
from .fingerprint import _POLYMER_MODES, _prepare, molecule_or_invalid

__all__ = ["DESCRIPTOR_KINDS", "RDKIT2D_DESCRIPTORS", "DescriptorFeaturizer"]

#: Descriptor families ``kind`` accepts.
DESCRIPTOR_KINDS = ("rdkit2d",)

#: Names of the 2D descriptors of the installed RDKit (``rdkit.Chem.Descriptors._descList``),
#: in RDKit's order: the columns of ``DescriptorFeaturizer()`` with ``descriptors=None``.
RDKIT2D_DESCRIPTORS: tuple[str, ...] = tuple(name for name, _ in Descriptors._descList)

#: Values of ``scaling``.
_SCALINGS = ("signlog", "none")

#: Values of ``normalize``.
_NORMALIZATIONS = (None, "per_heavy_atom")

#: Molecules on which a descriptor is tested for size-extensivity (``_extensive_mask``):
#: small, varied (aromatic, aliphatic ring, amide, halogens, sulfur, nitrile), and cheap.
_EXTENSIVITY_PANEL = (
    "CCO",
    "c1ccccc1O",
    "CC(=O)Nc1ccc(Cl)cc1",
    "C1CCC(CC1)N",
    "O=C(O)CCS",
    "FC(F)(F)c1ncccc1C#N",
)

#: Descriptors built on Gasteiger partial charges, which RDKit leaves undefined (NaN) when a
#: molecule has a dummy atom; ``polymer="dummy"`` computes them on the hydrogen-capped unit.
_CHARGE_DESCRIPTORS = frozenset(
    {
        "MaxPartialCharge",
        "MinPartialCharge",
        "MaxAbsPartialCharge",
        "MinAbsPartialCharge",
        "BCUT2D_MWHI",
        "BCUT2D_MWLOW",
        "BCUT2D_CHGHI",
        "BCUT2D_CHGLO",
        "BCUT2D_LOGPHI",
        "BCUT2D_LOGPLOW",
        "BCUT2D_MRHI",
        "BCUT2D_MRLOW",
    }
)


def _check_kind(kind: Any) -> None:
    if not isinstance(kind, str) or kind not in DESCRIPTOR_KINDS:
        raise ValueError(
            f"kind must be one of {', '.join(map(repr, DESCRIPTOR_KINDS))}, got {kind!r}."
        )


def _selected_names(descriptors: Any) -> tuple[str, ...]:
    """Validate ``descriptors`` and return the selected names, in the given order."""
    if descriptors is None:
        return RDKIT2D_DESCRIPTORS
    if isinstance(descriptors, str | bytes):
        raise ValueError(
            f"descriptors must be None or a list of descriptor names, got the string "
            f"{descriptors!r}; wrap it in a list."
        )
    try:
        names = tuple(descriptors)
    except TypeError:
        raise ValueError(
            f"descriptors must be None or a list of descriptor names, got {descriptors!r}."
        ) from None
    if not names:
        raise ValueError("descriptors must name at least one descriptor.")
    unknown = [n for n in names if not isinstance(n, str) or n not in RDKIT2D_DESCRIPTORS]
    if unknown:
        raise ValueError(
            f"Unknown RDKit descriptor(s) {unknown}; valid names (RDKit {rdBase.rdkitVersion}): "
            f"{', '.join(RDKIT2D_DESCRIPTORS)}."
        )
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"descriptors lists {duplicates} more than once.")
    return names


@functools.cache
def _extensive_mask(names: tuple[str, ...]) -> np.ndarray:
    """Which of the RDKit descriptors ``names`` are size-extensive (a boolean per name).

    A descriptor is extensive when it doubles, to 1e-6 relative, on two disconnected
    copies of each molecule of a fixed panel (``"CCO.CCO"`` against ``"CCO"``): counts
    (``NumHDonors``, ``fr_*``, ``HeavyAtomCount``), masses, additive contributions
    (``MolLogP``, ``MolMR``, ``TPSA``, the VSA bins) and the Chi connectivity indices.
    Fractions, extrema, averages and shape indices (``FractionCSP3``, ``MaxEStateIndex``,
    ``qed``, ``BalabanJ``, ``Kappa*``, ``BertzCT``) are not. The test runs on the installed
    RDKit, so a descriptor that a later release adds is classified too.
    """
    fns = _descriptor_functions(names)
    mask = np.ones(len(names), dtype=bool)
    with rdBase.BlockLogs():
        for smiles in _EXTENSIVITY_PANEL:
            one = Chem.MolFromSmiles(smiles)
            two = Chem.MolFromSmiles(f"{smiles}.{smiles}")
            for j, fn in enumerate(fns):
                a, b = _safe_call(fn, one), _safe_call(fn, two)
                if not (math.isfinite(a) and math.isfinite(b)) or abs(b - 2 * a) > 1e-6 * max(
                    1.0, abs(a)
                ):
                    mask[j] = False
    mask.setflags(write=False)  # shared by every caller through the cache
    return mask


@functools.lru_cache(maxsize=32)
def _descriptor_functions(names: tuple[str, ...]) -> tuple[Callable[[Chem.Mol], Any], ...]:
    table = dict(Descriptors._descList)
    return tuple(table[name] for name in names)


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _safe_call(fn: Callable[[Chem.Mol], Any], mol: Chem.Mol) -> float:
    try:
        return _as_float(fn(mol))
    except Exception:  # RDKit raises many types (ValueError, RuntimeError, ZeroDivision ...)
        return math.nan


def _fill(out: np.ndarray, fns: Sequence[Callable[[Chem.Mol], Any]], mol: Chem.Mol) -> None:
    """Write ``[fn(mol) for fn in fns]`` into ``out``; a descriptor that fails gives NaN."""
    try:
        out[:] = [fn(mol) for fn in fns]
    except Exception:  # the rare molecule where one descriptor fails: one at a time
        out[:] = [_safe_call(fn, mol) for fn in fns]


class DescriptorFeaturizer(BaseFeaturizer):
    """RDKit 2D descriptors of molecules and polymer repeat units.

    Parameters
    ----------
    kind : {"rdkit2d"}, default="rdkit2d"
        Descriptor family. ``"rdkit2d"``: RDKit's 2D descriptors
        (``rdkit.Chem.Descriptors._descList``: molecular weights, logP and molar
        refractivity, TPSA, topological indices such as Chi, Kappa, BertzCT and Ipc, VSA
        bins, E-state indices, QED, ring and atom counts, Gasteiger-charge and BCUT2D
        descriptors, ``fr_*`` fragment counts ...): 217 columns with RDKit 2026.09.
    polymer : {"dummy", "hydrogen", "cyclic"}, default="dummy"
        Treatment of the attachment points ``*`` / ``[*]`` of polymer repeat units
        (molecules without ``*`` are unaffected), as in
        :class:`FingerprintFeaturizer`:

        - ``"dummy"``: keep them as dummy atoms (atomic number 0, no mass, no
          contribution to logP ...); see the Notes for the charge descriptors.
        - ``"hydrogen"``: cap them with hydrogen, so ``*CC(*)c1ccccc1`` is described
          as ethylbenzene.
        - ``"cyclic"``: join the two ends into a ring of at least six atoms (the unit
          repeated as needed), so the unit is seen as periodic: polystyrene
          ``*CC(*)c1ccccc1`` becomes 1,3,5-triphenylcyclohexane. Requires exactly two
          ``*``.
    errors : {"raise", "nan"}, default="raise"
        Invalid input (unparsable SMILES, None, NaN, empty string, a value that is
        neither a string nor an RDKit ``Mol``, a repeat unit that cannot be closed):
        raise a ``ValueError`` naming the row and value, or return NaN rows with one
        :class:`~sklearn_shotgun.featurizers.InvalidInputWarning` listing them.
    n_jobs : int, default=None
        Number of joblib workers over chunks of rows; the result is identical for every
        value.
    descriptors : list of str, default=None
        The descriptors to compute, by RDKit name (``"MolWt"``, ``"TPSA"``,
        ``"fr_benzene"`` ...), in the order given. None computes all of
        :data:`RDKIT2D_DESCRIPTORS`. An unknown name raises a ``ValueError`` that
        lists the valid ones.
    scaling : {"signlog", "none"}, default="signlog"
        ``"signlog"`` maps every value ``x`` to ``sign(x) * log1p(|x|)``: monotonic,
        0 at 0, nearly linear for small values and logarithmic for the heavy-tailed
        descriptors (Ipc reaches 1e6 to 1e30 and more on large molecules, molecular
        weights and BertzCT spread over orders of magnitude, Kappa3 explodes on some
        small molecules), so that no column dominates a network's input scaling.
        ``"none"`` returns RDKit's raw values.
    normalize : {None, "per_heavy_atom"}, default=None
        ``"per_heavy_atom"`` divides every size-extensive descriptor (counts, masses,
        additive contributions such as logP, molar refractivity, TPSA and the VSA bins:
        ``_extensive_mask``) by the number of heavy atoms (dummy atoms ``*`` not
        counted), before ``scaling``; the other descriptors are kept. The result no longer
        depends on the size of the molecule, nor on how many monomers a polymer repeat unit
        is written with, only on what its atoms are and how they are bound: the form for
        intensive targets (a heat capacity per gram, a refractive index, a glass
        transition), and for networks pretrained on small molecules (QM9: up to 9 heavy
        atoms) that are applied to larger ones, whose extensive descriptors would lie
        outside everything the networks saw. Those columns are named ``<name>_per_heavy_atom``.

    Attributes
    ----------
    n_features_in_ : int
        Always 1 (one column of molecules).
    feature_names_out_ : ndarray of str
        ``rdkit2d_<RDKit name>``: ``rdkit2d_MolWt``, ``rdkit2d_TPSA`` ...
    n_features_out_ : int
        Number of output columns.

    See Also
    --------
    FingerprintFeaturizer : RDKit fingerprints of molecules and polymer repeat units.
    CompositionFeaturizer : descriptors of inorganic compositions.

    Notes
    -----
    The output is a dense float64 array. Inputs may be SMILES strings, RDKit ``Mol``
    objects, or a mix. SMILES are parsed strictly, as in
    :class:`FingerprintFeaturizer`: blanks around the SMILES are stripped, but a blank
    inside it (``"CC junk"``, which RDKit's default parser would read as ethane named
    "junk") or a character outside printable ASCII (``"éCC"``, which RDKit reads as
    ethane) makes the row invalid.

    **Values RDKit cannot compute.** A descriptor that RDKit returns as NaN or
    infinite, or that raises, for a valid molecule (Gasteiger charges of unusual
    elements, the spacial score ``SPS`` of some stereo ring systems ...) is set to 0.0
    after scaling: the (scaled) value of "no contribution". The output of a valid
    molecule is therefore always finite. This differs from an invalid *input*, which
    follows ``errors``.

    **Dummy atoms.** RDKit has no Gasteiger parameters for dummy atoms, so the twelve
    charge-based descriptors (``Max/Min(Abs)PartialCharge`` and the eight ``BCUT2D_*``)
    are undefined for every molecule with a ``*``. With ``polymer="dummy"`` those twelve
    are computed on the hydrogen-capped unit (they equal the ``polymer="hydrogen"``
    values); every other descriptor sees the dummy atoms.

    **RDKit versions.** With ``descriptors=None`` the columns are those of the
    installed RDKit, whose list grows between releases. Pass an explicit list to keep
    the same columns across RDKit versions (for example when a model library built
    with this featurizer is shared).

    Examples
    --------
    >>> from sklearn_shotgun import DescriptorFeaturizer
    >>> desc = DescriptorFeaturizer(descriptors=["MolWt", "TPSA", "NumHDonors"])
    >>> X = desc.fit_transform(["CCO", "c1ccccc1O"])
    >>> X.round(3)
    array([[3.852, 3.055, 0.693],
           [4.555, 3.055, 0.693]])
    >>> desc.get_feature_names_out().tolist()
    ['rdkit2d_MolWt', 'rdkit2d_TPSA', 'rdkit2d_NumHDonors']

    Raw RDKit values, and the attachment points of polystyrene kept as dummy atoms
    or capped with hydrogen (ethylbenzene):

    >>> raw = DescriptorFeaturizer(descriptors=["MolWt"], scaling="none")
    >>> raw.fit_transform(["CCO"]).round(2)
    array([[46.07]])
    >>> [round(float(raw.set_params(polymer=p).fit_transform(["*CC(*)c1ccccc1"])[0, 0]), 2)
    ...  for p in ("dummy", "hydrogen")]
    [104.15, 106.17]
    >>> DescriptorFeaturizer().fit(["CCO"]).n_features_out_ > 200
    True
    """

    _item_name = "SMILES"
    _items_name = "SMILES"
    _item_types = (str, Chem.Mol)

    def __init__(
        self,
        kind: str = "rdkit2d",
        polymer: str = "dummy",
        errors: str = "raise",
        n_jobs: int | None = None,
        descriptors: Sequence[str] | None = None,
        scaling: str = "signlog",
        normalize: str | None = None,
    ) -> None:
        self.kind = kind
        self.polymer = polymer
        self.errors = errors
        self.n_jobs = n_jobs
        self.descriptors = descriptors
        self.scaling = scaling
        self.normalize = normalize

    def _check_params(self) -> None:
        _check_kind(self.kind)
        _selected_names(self.descriptors)
        if not isinstance(self.polymer, str) or self.polymer not in _POLYMER_MODES:
            raise ValueError(
                f"polymer must be one of {', '.join(_POLYMER_MODES)}, got {self.polymer!r}."
            )
        if not isinstance(self.scaling, str) or self.scaling not in _SCALINGS:
            raise ValueError(
                f"scaling must be one of {', '.join(_SCALINGS)}, got {self.scaling!r}."
            )
        if self.normalize not in _NORMALIZATIONS:
            raise ValueError(f"normalize must be None or 'per_heavy_atom', got {self.normalize!r}.")
        super()._check_params()  # errors, n_jobs

    def _worker_params(self) -> dict[str, Any]:
        return {
            "names": _selected_names(self.descriptors),
            "polymer": self.polymer,
            "scaling": self.scaling,
            "normalize": self.normalize,
            "errors": self.errors,
        }

    def _make_feature_names(self) -> list[str]:
        names = _selected_names(self.descriptors)
        if self.normalize is None:
            return [f"{self.kind}_{name}" for name in names]
        mask = _extensive_mask(names)
        return [
            f"{self.kind}_{name}_per_heavy_atom" if extensive else f"{self.kind}_{name}"
            for name, extensive in zip(names, mask, strict=True)
        ]

    @staticmethod
    def _featurize_chunk(params: dict[str, Any], items: list[Any], offset: int) -> ChunkResult:
        names, polymer, errors = params["names"], params["polymer"], params["errors"]
        fns = _descriptor_functions(names)
        # polymer="dummy": the charge descriptors of a molecule with '*' come from its
        # hydrogen-capped copy, the others from the molecule itself.
        charge = np.array([n in _CHARGE_DESCRIPTORS for n in names], dtype=bool)
        charge_fns = [fn for fn, c in zip(fns, charge, strict=True) if c]
        other_fns = [fn for fn, c in zip(fns, charge, strict=True) if not c]
        out = np.zeros((len(items), len(names)), dtype=np.float64)
        # params from before the option (a stored featurizer spec) have no "normalize".
        per_atom = params.get("normalize") == "per_heavy_atom"
        # max(1, .): "[H][H]" and a lone "*" have no heavy atom; invalid rows stay 1.
        sizes = np.ones(len(items))
        bad = []
        # Ipc and AvgIpc multiply small adjacency matrices with numpy: a multi-threaded BLAS
        # on such matrices is up to 100 times slower than one thread when the cores are busy.
        # BlockLogs: our own error names the row; RDKit's log would not.
        with threadpool_limits(limits=1, user_api="blas"), rdBase.BlockLogs():
            for i, item in enumerate(items):
                mol = molecule_or_invalid(item, offset + i, polymer, errors, bad)
                if mol is None:
                    continue
                sizes[i] = max(1, mol.GetNumHeavyAtoms())
                has_dummy = any(a.GetAtomicNum() == 0 for a in mol.GetAtoms())
                if not (has_dummy and polymer == "dummy" and charge_fns):
                    _fill(out[i], fns, mol)
                    continue
                row = np.full(len(names), np.nan)
                values = np.empty(len(other_fns))
                _fill(values, other_fns, mol)
                row[~charge] = values
                try:
                    capped = _prepare(mol, "hydrogen")
                except (ValueError, RuntimeError):
                    capped = None  # the charge descriptors stay NaN, hence 0.0
                if capped is not None:
                    charges = np.empty(len(charge_fns))
                    _fill(charges, charge_fns, capped)
                    row[charge] = charges
                out[i] = row
        if per_atom:
            out[:, _extensive_mask(names)] /= sizes[:, None]
        if params["scaling"] == "signlog":
            np.copysign(np.log1p(np.abs(out)), out, out=out)
        out[~np.isfinite(out)] = 0.0
        return ChunkResult(out, bad)
