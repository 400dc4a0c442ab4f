"""RDKit fingerprints of molecules and polymer repeat units."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from rdkit import Chem, DataStructs, rdBase
from rdkit.Avalon import pyAvalonTools
from rdkit.Chem import MACCSkeys
from rdkit.Chem import rdFingerprintGenerator as rfg

from ._base import BaseFeaturizer, ChunkResult, invalid, is_missing

__all__ = ["FINGERPRINT_KINDS", "FingerprintFeaturizer"]

#: Every fingerprint family, in the order ``kind="all"`` concatenates them.
FINGERPRINT_KINDS = (
    "morgan",
    "feature_morgan",
    "atom_pair",
    "torsion",
    "rdkit",
    "maccs",
    "avalon",
    "pattern",
    "layered",
)
_MACCS_BITS = 167
_POLYMER_MODES = ("dummy", "hydrogen", "cyclic")
_COUNT_MAX = np.iinfo(np.uint16).max
#: Smallest ring that polymer="cyclic" closes (see _close_ring).
_MIN_RING = 6


def _kind_width(kind: str, n_bits: int) -> int:
    return _MACCS_BITS if kind == "maccs" else n_bits


def _kind_prefix(kind: str, radius: int) -> str:
    return f"{kind}_r{radius}" if kind in ("morgan", "feature_morgan") else kind


def _expand_kinds(kind: str | Sequence[str]) -> tuple[str, ...]:
    """Normalise ``kind`` to a tuple of family names, validating it."""
    if isinstance(kind, str):
        kinds: tuple[str, ...] = FINGERPRINT_KINDS if kind == "all" else (kind,)
    else:
        try:
            kinds = tuple(kind)
        except TypeError:
            raise ValueError(f"kind must be a string or a list of strings, got {kind!r}.") from None
        if not kinds:
            raise ValueError("kind must name at least one fingerprint.")
    for k in kinds:
        if k not in FINGERPRINT_KINDS:
            raise ValueError(
                f"Unknown fingerprint kind {k!r}; choose from {', '.join(FINGERPRINT_KINDS)} "
                "or 'all'."
            )
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"kind lists a fingerprint twice: {list(kinds)}.")
    return kinds


def _bits_to_numpy(fp: Any, width: int) -> np.ndarray:
    arr = np.zeros(width, dtype=np.uint8)
    DataStructs.ConvertToNumpyArray(fp, arr)
    return arr


@functools.lru_cache(maxsize=32)
def _fingerprint_functions(
    kinds: tuple[str, ...], radius: int, n_bits: int, counts: bool
) -> tuple[Callable[[Chem.Mol], np.ndarray], ...]:
    """One ``mol -> 1-D array`` function per family.

    RDKit's generators cannot be pickled, so every process builds its own from the
    plain parameters; the cache keeps one set per process.
    """
    funcs = []
    for kind in kinds:
        gen = None
        if kind == "morgan":
            gen = rfg.GetMorganGenerator(radius=radius, fpSize=n_bits)
        elif kind == "feature_morgan":
            gen = rfg.GetMorganGenerator(
                radius=radius,
                fpSize=n_bits,
                atomInvariantsGenerator=rfg.GetMorganFeatureAtomInvGen(),
            )
        elif kind == "atom_pair":
            gen = rfg.GetAtomPairGenerator(fpSize=n_bits)
        elif kind == "torsion":
            gen = rfg.GetTopologicalTorsionGenerator(fpSize=n_bits)
        elif kind == "rdkit":
            gen = rfg.GetRDKitFPGenerator(fpSize=n_bits)
        if gen is not None and counts:
            funcs.append(lambda m, g=gen: np.minimum(g.GetCountFingerprintAsNumPy(m), _COUNT_MAX))
        elif gen is not None:
            funcs.append(gen.GetFingerprintAsNumPy)
        elif kind == "maccs":
            funcs.append(lambda m: _bits_to_numpy(MACCSkeys.GenMACCSKeys(m), _MACCS_BITS))
        elif kind == "avalon" and counts:
            funcs.append(
                lambda m: np.minimum(
                    _count_vect_to_numpy(pyAvalonTools.GetAvalonCountFP(m, nBits=n_bits)),
                    _COUNT_MAX,
                )
            )
        elif kind == "avalon":
            funcs.append(
                lambda m: _bits_to_numpy(pyAvalonTools.GetAvalonFP(m, nBits=n_bits), n_bits)
            )
        elif kind == "pattern":
            funcs.append(
                lambda m: _bits_to_numpy(Chem.PatternFingerprint(m, fpSize=n_bits), n_bits)
            )
        elif kind == "layered":
            funcs.append(
                lambda m: _bits_to_numpy(Chem.LayeredFingerprint(m, fpSize=n_bits), n_bits)
            )
    return tuple(funcs)


def _count_vect_to_numpy(fp: Any) -> np.ndarray:
    arr = np.zeros(fp.GetLength(), dtype=np.int64)
    DataStructs.ConvertToNumpyArray(fp, arr)
    return arr


# -- polymer repeat units ---------------------------------------------------------------
def _attachment_atoms(mol: Chem.Mol) -> list[int]:
    return [a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() == 0]


def _cap_with_hydrogen(mol: Chem.Mol) -> Chem.Mol:
    """Replace every ``*`` by a hydrogen that RDKit folds into its neighbour's H count."""
    rw = Chem.RWMol(mol)
    for atom in rw.GetAtoms():
        if atom.GetAtomicNum() == 0:
            atom.SetAtomicNum(1)
            atom.SetIsotope(0)
            atom.SetAtomMapNum(0)
            atom.SetIsAromatic(False)
    capped = rw.GetMol()
    Chem.SanitizeMol(capped)
    # A cap on a stereo double bond ("*/C=C/*") would otherwise stay an explicit [H].
    params = Chem.RemoveHsParameters()
    params.removeDefiningBondStereo = True
    return Chem.RemoveHs(capped, params)


def _link(mol: Chem.Mol, tail: int, head: int) -> Chem.Mol:
    """Bond the atom next to ``tail`` to the atom next to ``head``; drop both ``*``."""
    tail_atom, head_atom = mol.GetAtomWithIdx(tail), mol.GetAtomWithIdx(head)
    if tail_atom.GetDegree() != 1 or head_atom.GetDegree() != 1:
        raise ValueError("every '*' must be bonded to exactly one atom")
    t_bond, h_bond = tail_atom.GetBonds()[0], head_atom.GetBonds()[0]
    a, b = t_bond.GetOtherAtomIdx(tail), h_bond.GetOtherAtomIdx(head)
    rw = Chem.RWMol(mol)
    rw.AddBond(a, b, t_bond.GetBondType())
    for idx in sorted((tail, head), reverse=True):
        rw.RemoveAtom(idx)
    return rw.GetMol()


def _close_ring(mol: Chem.Mol) -> Chem.Mol:
    """Join the two ends of a repeat unit into a ring of at least six atoms.

    The unit is repeated ``k`` times first, ``k`` the smallest number for which the
    closing ring (``k`` times the backbone between the two ``*``) has six atoms or more,
    so ``*CC*`` becomes cyclohexane and ``*C(F)(F)*`` perfluorocyclohexane instead of
    impossible or strained small rings.
    """
    stars = _attachment_atoms(mol)
    if len(stars) != 2:
        raise ValueError(f"needs exactly two '*' atoms, found {len(stars)}")
    head, tail = stars
    backbone = len(Chem.GetShortestPath(mol, head, tail)) - 2  # atoms between the stars
    if backbone < 1:
        raise ValueError("the two '*' atoms are bonded to each other")
    copies = -(-_MIN_RING // backbone)
    chain = mol
    for _ in range(copies - 1):
        offset = chain.GetNumAtoms()
        chain = _link(Chem.CombineMols(chain, mol), tail, stars[0] + offset)
        # Two atoms with smaller indices (the old tail, the copy's head) were removed;
        # the chain's head keeps its index because it precedes both.
        tail = stars[1] + offset - 2
    ring = _link(chain, tail, head)
    Chem.SanitizeMol(ring)
    return ring


def _prepare(mol: Chem.Mol, polymer: str) -> Chem.Mol:
    if polymer == "dummy" or not _attachment_atoms(mol):
        return mol
    if polymer == "hydrogen":
        return _cap_with_hydrogen(mol)
    return _close_ring(mol)


def _smiles_params() -> Chem.SmilesParserParams:
    # RDKit's default parser reads text after a space as the molecule's name, so
    # "CC junk" would silently be ethane; without names it is rejected.
    params = Chem.SmilesParserParams()
    params.parseName = False
    return params


_SMILES_PARAMS = _smiles_params()


def _to_mol(item: Any) -> Chem.Mol | None:
    if isinstance(item, Chem.Mol):
        return item
    if isinstance(item, str):
        return Chem.MolFromSmiles(item, _SMILES_PARAMS)
    return None


def molecule_or_invalid(
    item: Any, row: int, polymer: str, errors: str, bad: list
) -> Chem.Mol | None:
    """The molecule of one input, prepared for ``polymer``; None for an invalid input,
    whose ``(row, value, reason)`` is appended to ``bad`` (or raised, per ``errors``)."""
    if is_missing(item):
        bad.append(invalid(row, item, "missing value", errors, "SMILES"))
        return None
    mol = _to_mol(item)
    if mol is None:
        reason = (
            "RDKit could not parse it"
            if isinstance(item, str)
            else f"expected a SMILES string or an RDKit Mol, got {type(item).__name__}"
        )
        bad.append(invalid(row, item, reason, errors, "SMILES"))
        return None
    if polymer != "dummy":
        try:
            return _prepare(mol, polymer)
        except (ValueError, RuntimeError) as exc:
            bad.append(invalid(row, item, f"polymer={polymer!r}: {exc}", errors, "SMILES"))
            return None
    return mol


class FingerprintFeaturizer(BaseFeaturizer):
    """RDKit fingerprints of molecules and polymer repeat units.

    Parameters
    ----------
    kind : str or list of str, default="morgan"
        Fingerprint family, or a list of families to concatenate (in the given order):
        ``"morgan"`` (ECFP), ``"feature_morgan"`` (FCFP), ``"atom_pair"``,
        ``"torsion"`` (topological torsion), ``"rdkit"`` (path-based), ``"maccs"``
        (the 166 MACCS keys, as RDKit's 167-bit vector whose bit 0 is always 0),
        ``"avalon"``, ``"pattern"``, ``"layered"``. ``"all"`` concatenates all nine:
        the RDKit counterpart of the rcdk-all descriptor of Yamada et al. (2019). rcdk-all
        has 11,106 bits; with the default ``n_bits=2048`` ours has
        ``8 * 2048 + 167 = 16,551``.
    radius : int, default=2
        Radius of the (feature) Morgan fingerprints; ECFP4 is radius 2.
    n_bits : int, default=2048
        Length of every hashed fingerprint (all families but MACCS).
    counts : bool, default=False
        Count vectors instead of bits for the families where RDKit supports them
        (morgan, feature_morgan, atom_pair, torsion, rdkit, avalon); MACCS, pattern and
        layered stay binary. Counts are stored as uint16 (clipped at 65535).
    polymer : {"dummy", "hydrogen", "cyclic"}, default="dummy"
        Treatment of the attachment points ``*`` / ``[*]`` of polymer repeat units
        (molecules without ``*`` are unaffected):

        - ``"dummy"``: keep them as dummy atoms (atomic number 0); fingerprints see the
          chain ends as a special atom.
        - ``"hydrogen"``: cap them with hydrogen, so ``*CC(*)c1ccccc1`` is featurized
          as ethylbenzene.
        - ``"cyclic"``: join the two ends so the repeat unit is seen as periodic: the
          atom bonded to the first ``*`` is bonded to the atom bonded to the second.
          Short units are first repeated so that the ring has at least six atoms:
          polyethylene ``*CC*`` becomes cyclohexane, PTFE ``*C(F)(F)*``
          perfluorocyclohexane and polystyrene ``*CC(*)c1ccccc1``
          1,3,5-triphenylcyclohexane. Requires exactly two ``*``.
    sparse : bool, default=False
        Return a scipy CSR matrix instead of a dense array.
    errors : {"raise", "nan"}, default="raise"
        Invalid input (unparsable SMILES, None, NaN, empty string, a repeat unit that
        cannot be closed): raise a ``ValueError`` naming the row and value, or return
        NaN rows (float output) with one warning listing them.
    n_jobs : int, default=None
        Number of joblib workers over chunks of rows; the result is identical for every
        value.

    Attributes
    ----------
    n_features_in_ : int
        Always 1 (one column of molecules).
    feature_names_out_ : ndarray of str
        ``morgan_r2_b0042``, ``maccs_017``, ``atom_pair_b1023`` ...
    n_features_out_ : int
        Number of output columns.

    See Also
    --------
    CompositionFeaturizer : descriptors of inorganic compositions.

    Notes
    -----
    Output is uint8 (bits) or uint16 (counts); with ``errors="nan"`` and invalid rows it
    is float64. Inputs may be SMILES strings, RDKit ``Mol`` objects, or a mix.

    Examples
    --------
    >>> from sklearn_shotgun import FingerprintFeaturizer
    >>> fp = FingerprintFeaturizer(n_bits=1024)
    >>> X = fp.fit_transform(["CCO", "COC", "c1ccccc1"])
    >>> X.shape, X.dtype
    ((3, 1024), dtype('uint8'))
    >>> fp.get_feature_names_out()[:2]
    array(['morgan_r2_b0000', 'morgan_r2_b0001'], dtype=object)

    The three treatments of a polymer's attachment points give different bits for
    polystyrene:

    >>> [int(FingerprintFeaturizer(polymer=p).fit_transform(["*CC(*)c1ccccc1"]).sum())
    ...  for p in ("dummy", "hydrogen", "cyclic")]
    [18, 14, 15]
    """

    _item_name = "SMILES"
    _items_name = "SMILES"
    _item_types = (str, Chem.Mol)

    def __init__(
        self,
        kind: str | Sequence[str] = "morgan",
        radius: int = 2,
        n_bits: int = 2048,
        counts: bool = False,
        polymer: str = "dummy",
        sparse: bool = False,
        errors: str = "raise",
        n_jobs: int | None = None,
    ) -> None:
        self.kind = kind
        self.radius = radius
        self.n_bits = n_bits
        self.counts = counts
        self.polymer = polymer
        self.sparse = sparse
        self.errors = errors
        self.n_jobs = n_jobs

    def _check_params(self) -> None:
        super()._check_params()
        _expand_kinds(self.kind)
        if not isinstance(self.radius, int | np.integer) or self.radius < 0:
            raise ValueError(f"radius must be a non-negative integer, got {self.radius!r}.")
        if not isinstance(self.n_bits, int | np.integer) or self.n_bits < 1:
            raise ValueError(f"n_bits must be a positive integer, got {self.n_bits!r}.")
        if self.polymer not in _POLYMER_MODES:
            raise ValueError(
                f"polymer must be one of {', '.join(_POLYMER_MODES)}, got {self.polymer!r}."
            )

    def _worker_params(self) -> dict[str, Any]:
        return {
            "kinds": _expand_kinds(self.kind),
            "radius": int(self.radius),
            "n_bits": int(self.n_bits),
            "counts": bool(self.counts),
            "polymer": self.polymer,
            "errors": self.errors,
        }

    def _make_feature_names(self) -> list[str]:
        names: list[str] = []
        for kind in _expand_kinds(self.kind):
            width = _kind_width(kind, int(self.n_bits))
            if kind == "maccs":
                names.extend(f"maccs_{i:03d}" for i in range(width))
            else:
                prefix = _kind_prefix(kind, int(self.radius))
                digits = max(4, len(str(width - 1)))
                names.extend(f"{prefix}_b{i:0{digits}d}" for i in range(width))
        return names

    @staticmethod
    def _featurize_chunk(params: dict[str, Any], items: list[Any], offset: int) -> ChunkResult:
        kinds, n_bits, counts = params["kinds"], params["n_bits"], params["counts"]
        polymer, errors = params["polymer"], params["errors"]
        funcs = _fingerprint_functions(kinds, params["radius"], n_bits, counts)
        widths = [_kind_width(k, n_bits) for k in kinds]
        starts = np.concatenate([[0], np.cumsum(widths)])
        out = np.zeros((len(items), int(starts[-1])), dtype=np.uint16 if counts else np.uint8)
        single = funcs[0] if len(funcs) == 1 else None
        bad = []
        with rdBase.BlockLogs():  # our own error names the row; RDKit's log would not
            for i, item in enumerate(items):
                mol = molecule_or_invalid(item, offset + i, polymer, errors, bad)
                if mol is None:
                    continue
                if single is not None:
                    out[i] = single(mol)
                    continue
                for j, func in enumerate(funcs):
                    out[i, starts[j] : starts[j + 1]] = func(mol)
        return ChunkResult(out, bad)
