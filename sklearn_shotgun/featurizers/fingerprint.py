"""RDKit fingerprints of molecules and polymer repeat units."""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
from rdkit import Chem, DataStructs, rdBase
from rdkit.Avalon import pyAvalonTools
from rdkit.Chem import MACCSkeys
from rdkit.Chem import rdFingerprintGenerator as rfg
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseFeaturizer, ChunkResult, invalid, is_missing
from ._smiles import parse_smiles

__all__ = ["FINGERPRINT_KINDS", "MAX_N_BITS", "MAX_RADIUS", "FingerprintFeaturizer"]

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
#: Largest ``n_bits``: 2**20 = 1,048,576 columns per family (a 1,000-row dense block is
#: then 1 GB). Hashed fingerprints are used at 512 to 16,384 bits; the bound stops a typo
#: or a tampered file (``n_bits=10**9``) from allocating gigabytes before anything fails.
MAX_N_BITS = 2**20
#: Largest Morgan ``radius``: far beyond any useful value (ECFP4 is radius 2, ECFP6 3).
MAX_RADIUS = 32
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


def _close_ring(mol: Chem.Mol) -> Chem.Mol:
    """Join the two ends of a repeat unit into a ring of at least six atoms.

    The unit is repeated ``k`` times first, ``k`` the smallest number for which the
    closing ring (``k`` times the backbone between the two ``*``) has six atoms or more,
    so ``*CC*`` becomes cyclohexane and ``*C(F)(F)*`` perfluorocyclohexane instead of
    impossible or strained small rings. The copies are joined by RDKit's ``molzip``, which
    keeps the E/Z and tetrahedral stereo defined through a ``*`` (``*/C=C/CC*`` closes to
    (1E,5E)-cycloocta-1,5-diene, not to a cyclooctadiene without stereo).
    """
    stars = _attachment_atoms(mol)
    if len(stars) != 2:
        raise ValueError(f"needs exactly two '*' atoms, found {len(stars)}")
    for star in stars:
        if mol.GetAtomWithIdx(star).GetDegree() != 1:
            raise ValueError("every '*' must be bonded to exactly one atom")
    head, tail = stars
    path = Chem.GetShortestPath(mol, head, tail)
    if not path:
        raise ValueError("the two '*' atoms are in separate fragments")
    backbone = len(path) - 2  # atoms between the stars
    if backbone < 1:
        raise ValueError("the two '*' atoms are bonded to each other")
    copies = -(-_MIN_RING // backbone)
    # Copy c's tail and copy c+1's head share the label c+1 (the last tail wraps round to
    # the first head): molzip bonds the atoms next to each pair and drops the pair.
    combined = None
    for c in range(copies):
        unit = Chem.RWMol(mol)
        for star, label in ((head, c + 1), (tail, (c + 1) % copies + 1)):
            atom = unit.GetAtomWithIdx(star)
            atom.SetAtomMapNum(label)
            atom.SetIsotope(0)
        combined = unit if combined is None else Chem.CombineMols(combined, unit)
    params = Chem.MolzipParams()
    params.label = Chem.MolzipLabel.AtomMapNumber
    ring = Chem.molzip(combined, params)
    if _attachment_atoms(ring):
        raise ValueError("RDKit could not join the two ends")
    Chem.SanitizeMol(ring)
    # The copies carry the open unit's stereo perception (a CH next to a '*' is a possible
    # stereocentre there, not in the ring): perceive it again, as a parsed ring would be.
    ring.ClearComputedProps()
    Chem.AssignStereochemistry(ring, cleanIt=True, force=True, flagPossibleStereoCenters=True)
    return ring


def _prepare(mol: Chem.Mol, polymer: str) -> Chem.Mol:
    if polymer == "dummy" or not _attachment_atoms(mol):
        return mol
    if polymer == "hydrogen":
        return _cap_with_hydrogen(mol)
    return _close_ring(mol)


def molecule_or_invalid(
    item: Any, row: int, polymer: str, errors: str, bad: list
) -> Chem.Mol | None:
    """The molecule of one input, prepared for ``polymer``; None for an invalid input,
    whose ``(row, value, reason)`` is appended to ``bad`` (or raised, per ``errors``).

    SMILES are parsed strictly (see :mod:`._smiles`): a character outside printable
    ASCII, a blank inside the string or text after a space makes the row invalid.
    """
    if is_missing(item):
        bad.append(invalid(row, item, "missing value", errors, "SMILES"))
        return None
    mol, reason = parse_smiles(item)
    if mol is None:
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
        Radius of the (feature) Morgan fingerprints, 0 to :data:`MAX_RADIUS` (32); ECFP4
        is radius 2.
    n_bits : int, default=2048
        Length of every hashed fingerprint (all families but MACCS), 1 to
        :data:`MAX_N_BITS` (2**20 = 1,048,576).
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
        Invalid input (unparsable SMILES, None, NaN, empty string, a value that is neither
        a string nor an RDKit ``Mol``, a repeat unit that cannot be closed): raise a
        ``ValueError`` naming the row and value, or return NaN rows (float output) with one
        :class:`~sklearn_shotgun.featurizers.InvalidInputWarning` listing them.
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

    SMILES are parsed strictly, because RDKit's parser turns some junk into a molecule:
    blanks around the SMILES are stripped, but a blank inside it (``"CC junk"``, which
    RDKit would read as ethane named "junk", or a second line) or any character outside
    printable ASCII (``"éCC"``, ``"CC\\x00"``) makes the row invalid. CXSMILES extensions
    (``"CC |...|"``) are therefore not read. A molecule without atoms is invalid.

    Parameters are checked in ``fit``: a wrong type (including a bool where a number is
    expected) or a value out of bounds raises a ``ValueError`` naming the parameter.

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

    _parameter_constraints: ClassVar[dict] = {
        **BaseFeaturizer._parameter_constraints,
        "kind": [str, list, tuple],
        "radius": [Interval(numbers.Integral, 0, MAX_RADIUS, closed="both")],
        "n_bits": [Interval(numbers.Integral, 1, MAX_N_BITS, closed="both")],
        "counts": ["boolean"],
        "polymer": [StrOptions(set(_POLYMER_MODES))],
        "sparse": ["boolean"],
    }

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
                try:
                    if single is not None:
                        out[i] = single(mol)
                        continue
                    for j, func in enumerate(funcs):
                        out[i, starts[j] : starts[j + 1]] = func(mol)
                except (RuntimeError, ValueError) as exc:  # a Mol RDKit cannot fingerprint
                    out[i] = 0
                    reason = f"RDKit failed: {str(exc).strip().splitlines()[-1]}"
                    bad.append(invalid(offset + i, item, reason, errors, "SMILES"))
        return ChunkResult(out, bad)
