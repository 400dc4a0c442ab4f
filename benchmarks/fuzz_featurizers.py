"""Fuzz the featurizers: crashes and silent junk on 10,000 hostile inputs each.

Run: ``.venv/bin/python benchmarks/fuzz_featurizers.py [--n 10000] [--seed 0]
[--only fingerprint,descriptor,...]``. Every featurizer gets ``--n`` inputs drawn with a
fixed seed from a mix of

- real SMILES (QM9, ESOL, RadonPy polymer units) and real formulas (Materials Project), as
  they are and mutated (characters inserted, deleted, replaced or duplicated; NUL, control,
  non-ASCII and blank characters; text after a space; huge digit runs; two inputs glued);
- random text (printable ASCII, SMILES and formula alphabets, arbitrary Unicode);
- objects that are not strings (ints, floats, inf, NaN, None, pandas NA, bytes, lists,
  nested lists, dicts of random amounts, sets, complex numbers, RDKit Mols, empty Mols,
  objects whose ``repr`` fails).

Each input is featurized alone with ``errors="raise"`` and, in blocks of 250, with
``errors="nan"``. The outcome of an input is one of

- **valid**: features returned, in both modes;
- **rejected**: a ``ValueError`` (raise) and a NaN row listed in one
  ``InvalidInputWarning`` (nan);
- **crash**: any other exception, in either mode;
- **silent junk**: a valid row with a non-finite feature, a NaN row that no warning lists,
  the two modes disagreeing on the row, or an input accepted that an independent check says
  is not a molecule / formula: for SMILES, text that a reference SMILES tokenizer cannot
  read completely, or whose atom count RDKit does not match (RDKit skipped something); for
  formulas, characters outside the formula alphabet, or amounts that are not finite,
  positive numbers; for any other type, an object that is not a Mol, dict, pymatgen
  Composition or Structure.

The goal (issue 10): 0 crashes and 0 silent junk for every featurizer. The script prints
one line per featurizer and up to five examples of every failure; its exit status is 1 when
any count is not zero.

Measured (``--n 10000 --seed 0``, RDKit 2026.09, one core of a shared machine)::

    featurizer              inputs   valid rejected  crash   junk  seconds
    fingerprint              10000    2555     7445      0      0     40.0
    fingerprint_cyclic       10000    2519     7481      0      0     24.3
    fingerprint_hydrogen     10000    2597     7403      0      0     16.3
    descriptor               10000    2558     7442      0      0    403.8
    composition_formula      10000    2671     7329      0      0      3.3
    composition_smiles       10000    2536     7464      0      0      4.4

The inputs of the first version of this script (the same mix without unsanitised Mols)
on the code before issue 10 (commit 4e0fc2a; descriptor not run) gave
116 / 121 / 121 / 80 / 1,710 crashes (fingerprint, cyclic, hydrogen, formula, smiles: an
object whose ``repr`` fails, and ``AttributeError`` for every non-string in
``input="smiles"``) and 24 / 46 / 7 / 135 / - silent junk (text after a line break or
CXSMILES bars, a leading BOM or control character, empty Mols, formulas with 310+ digit
amounts giving inf features); a block with a crash is not checked for junk, so those junk
counts are lower bounds.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rdkit import Chem, rdBase

from sklearn_shotgun import CompositionFeaturizer, DescriptorFeaturizer, FingerprintFeaturizer
from sklearn_shotgun.featurizers import _formula
from sklearn_shotgun.featurizers._base import InvalidInputWarning
from sklearn_shotgun.featurizers._formula import ELEMENT_SYMBOLS

#: The largest amount a formula may hold (read from the package, so that the script also
#: measures versions from before the bound: there, a larger amount counts as junk).
MAX_AMOUNT = getattr(_formula, "MAX_AMOUNT", 1e9)

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKLEARN_SHOTGUN_DATA", ROOT.parent / "shared" / "data"))

#: The SMILES tokenizer of Schwaller et al. (Molecular Transformer), plus ``%(nnn)`` ring
#: bonds: a string it cannot split completely into tokens is not a SMILES.
_SMILES_TOKEN = re.compile(
    r"(\[[^\[\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|\*|\$"
    r"|%\([0-9]+\)|%[0-9]{2}|[0-9])"
)
_ATOM_TOKEN = re.compile(r"^(\[[^\[\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\*)$")
_FORMULA_ALPHABET = re.compile(r"[A-Za-z0-9.()\[\]{}·•⋅* \t\r\n]*")
_KNOWN = frozenset(ELEMENT_SYMBOLS)

_NOISE_CHARS = (
    list("()[]{}=#-+\\/:.@%*$~?>!&|,;'\"`^_0123456789")
    + list("CcNnOoSsPpFIBrlHe")
    + ["\x00", "\x01", "\x1f", "\x7f", "\t", "\n", "\r", " ", "\u00a0", "\u2028", "\ufeff"]
    + ["é", "µ", "·", "•", "⋅", "→", "∗", "Ａ", "α", "中", "😀", "\udcff"]
)


def _load_smiles() -> list[str]:
    qm9 = pd.read_csv(DATA / "qm9_qm9pack" / "qm9.csv.gz", nrows=5000)["SMILES"].tolist()
    esol = pd.read_csv(
        DATA / "smallmol_moleculenet_esol_freesolv_lipo" / "ESOL_delaney-processed.csv"
    )["smiles"].tolist()
    radonpy = pd.read_csv(DATA / "polymer_radonpy_pi1070" / "PI1070.csv")["smiles"].tolist()
    return [s.strip() for s in qm9 + esol + radonpy if isinstance(s, str)]


def _load_formulas() -> list[str]:
    mp = pd.read_csv(DATA / "inorganic_crabnet_matbench_formula" / "mp_e_form.csv", nrows=20000)[
        "formula"
    ].tolist()
    expt = pd.read_csv(DATA / "inorganic_roost_bandgap" / "expt-non-metals.csv")
    extra = ["CuSO4·5H2O", "CuSO4.5H2O", "Ca(OH)2", "K4[Fe(CN)6]", "Li0.5CoO2", "{Fe}2O3"]
    return [str(f) for f in mp + expt.iloc[:, 0].tolist() + extra]


class _BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def _mutate(text: str, rng: np.random.Generator) -> str:
    for _ in range(int(rng.integers(1, 4))):
        op = int(rng.integers(0, 10))
        pos = int(rng.integers(0, len(text) + 1))
        noise = _NOISE_CHARS[int(rng.integers(0, len(_NOISE_CHARS)))]
        if op == 0:
            text = text[:pos] + noise + text[pos:]
        elif op == 1 and text:
            text = text[:pos] + text[pos + 1 :]
        elif op == 2 and text:
            text = text[: max(pos - 1, 0)] + noise + text[pos:]
        elif op == 3:
            a, b = sorted(rng.integers(0, len(text) + 1, size=2))
            text = text[:b] + text[a:b] + text[b:]
        elif op == 4:
            text = text + " " + "".join(rng.choice(list("junkCO0 "), size=int(rng.integers(1, 6))))
        elif op == 5:
            text = text[:pos] + "9" * int(rng.choice([3, 10, 30, 310, 400])) + text[pos:]
        elif op == 6:
            text = rng.choice(["\x00", "é", "\ufeff", " ", "\n", "\t", "\x01"]) + text
        elif op == 7:
            text = text + rng.choice(["\x00", "\x00junk", "\njunk", "\rjunk", " |$;;$|", "é"])
        elif op == 8:
            text = text * int(rng.integers(2, 4))
        else:
            text = text[:pos] + "." + text[pos:]
    return text


def _random_text(rng: np.random.Generator) -> str:
    n = int(rng.integers(0, 40))
    kind = int(rng.integers(0, 4))
    if kind == 0:  # printable ASCII
        return "".join(chr(int(c)) for c in rng.integers(32, 127, size=n))
    if kind == 1:  # SMILES alphabet
        return "".join(rng.choice(list("CNOSPFIcnos()[]=#-+123456789%@*H/\\."), size=n))
    if kind == 2:  # formula alphabet
        return "".join(rng.choice(list("FeONaClHCuS0123456789.()[]·* "), size=n))
    return "".join(
        chr(int(c)) for c in rng.integers(0, 0x2FFFF, size=n) if not 0xD800 <= c < 0xE000
    )


def _random_object(rng: np.random.Generator) -> Any:
    k = int(rng.integers(0, 23))
    symbols = list(ELEMENT_SYMBOLS[:94])
    choices: list[Callable[[], Any]] = [
        lambda: int(rng.integers(-10, 10**6)),
        lambda: float(rng.normal() * 10.0 ** rng.integers(-5, 300)),
        lambda: float("inf"),
        lambda: float("nan"),
        lambda: None,
        lambda: pd.NA,
        lambda: np.int64(rng.integers(0, 100)),
        lambda: np.float32(rng.normal()),
        lambda: b"CCO",
        lambda: bytes(rng.integers(0, 256, size=5).astype(np.uint8)),
        lambda: ["CCO"],
        lambda: [["CC", "O"], 3],
        lambda: ("Fe", 2),
        lambda: {"CC", "O"},
        lambda: complex(1, 2),
        lambda: _BadRepr(),
        lambda: Chem.MolFromSmiles("CCO"),
        lambda: Chem.Mol(),
        lambda: Chem.MolFromSmiles(
            str(rng.choice(["c1ccccc1O", "c1cccc1", "C(C)(C)(C)(C)C"])), sanitize=False
        ),
        lambda: {str(rng.choice(symbols)): float(rng.choice([1, 2.5, 1e9, 1e12, -1, 0]))},
        lambda: {str(rng.choice(symbols)): float(rng.random() * 4) + 0.1 for _ in range(3)},
        lambda: {"Xx": 1.0, 3: "a"},
        lambda: np.array(["CCO"]),
    ]
    return choices[k]()


def make_inputs(n: int, valid: list[str], other: list[str], rng: np.random.Generator) -> list[Any]:
    """``n`` hostile inputs: 20% valid, 35% mutated valid, 10% the other kind, 15% random
    text, 20% objects that are not strings."""
    out: list[Any] = []
    for _ in range(n):
        u = rng.random()
        if u < 0.20:
            out.append(valid[int(rng.integers(0, len(valid)))])
        elif u < 0.55:
            out.append(_mutate(valid[int(rng.integers(0, len(valid)))], rng))
        elif u < 0.65:
            out.append(_mutate(other[int(rng.integers(0, len(other)))], rng))
        elif u < 0.80:
            out.append(_random_text(rng))
        else:
            out.append(_random_object(rng))
    return out


# -- independent checks of accepted inputs ----------------------------------------------
def smiles_junk(item: Any) -> str | None:
    """Why an input accepted as a molecule is not one, or None."""
    if isinstance(item, Chem.Mol):
        return None if item.GetNumAtoms() else "a Mol without atoms"
    if not isinstance(item, str):
        return f"a {type(item).__name__} accepted as a molecule"
    text = item.strip(" \t\r\n")
    tokens = _SMILES_TOKEN.findall(text)
    if "".join(tokens) != text:
        return "text the reference SMILES tokenizer cannot read"
    params = Chem.SmilesParserParams()
    params.parseName = False
    params.removeHs = False
    with rdBase.BlockLogs():  # a rejected text is expected here, not news (tests call this too)
        mol = Chem.MolFromSmiles(text, params)
    n_atoms = sum(bool(_ATOM_TOKEN.match(t)) for t in tokens)
    if mol is None or mol.GetNumAtoms() != n_atoms:
        return f"RDKit read {mol.GetNumAtoms() if mol else 0} atoms from {n_atoms} atom tokens"
    return None


def formula_junk(item: Any, amounts: Mapping[str, float] | None) -> str | None:
    """Why an input accepted as a composition is not one, or None.

    ``amounts`` are the element amounts of ``item`` (the featurizer's parse here; the dict's
    own values in ``tests/featurizers/test_fuzz.py``), or None to check only the text.
    """
    if isinstance(item, str):
        if not _FORMULA_ALPHABET.fullmatch(item):
            return "characters outside the formula alphabet"
        letters = re.findall(r"[A-Z][a-z]*|[a-z]+", item)
        if any(t not in _KNOWN for t in letters):
            return "letters that are not element symbols"
    elif not isinstance(item, Mapping) and type(item).__module__.split(".")[0] != "pymatgen":
        return f"a {type(item).__name__} accepted as a composition"
    if amounts is not None and not all(0 < v <= MAX_AMOUNT for v in amounts.values()):
        return "amounts that are not finite positive numbers"
    return None


# -- running one featurizer ---------------------------------------------------------------
def _rows_in_warning(messages: list[str]) -> set[int]:
    rows: set[int] = set()
    for message in messages:
        rows.update(int(r) for r in re.findall(r"(?:rows |, )(\d+) \(", message))
    return rows


def fuzz(
    name: str, make: Callable[..., Any], items: list[Any], mode: str, block: int = 250
) -> tuple[Counter, dict[str, list[str]]]:
    counts: Counter = Counter()
    examples: dict[str, list[str]] = {}

    def record(kind: str, item: Any, detail: str) -> None:
        counts[kind] += 1
        try:
            shown = ascii(item)[:80]
        except Exception:
            shown = f"<{type(item).__name__}>"
        examples.setdefault(kind, [])
        if len(examples[kind]) < 5:
            examples[kind].append(f"{shown}: {detail}")

    seed = ["CCO"] if mode == "smiles" else ["NaCl"]
    strict = make(errors="raise").fit(seed)
    lenient = make(errors="nan").fit(seed)

    # errors="raise", one input at a time, after a valid one: a list as the first item would
    # make the call a column of rows, a container-level question, not a row's.
    verdict: list[str] = []
    for item in items:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = strict.transform([*seed, item])[1:]
            out = out.toarray() if hasattr(out, "toarray") else np.asarray(out)
            if not np.isfinite(out.astype(np.float64)).all():
                record("silent junk", item, "non-finite feature from a valid row (raise)")
            verdict.append("valid")
        except ValueError:
            verdict.append("rejected")
        except Exception as exc:  # counting them is the point
            record("crash", item, f"errors='raise': {type(exc).__name__}: {exc}"[:160])
            verdict.append("crash")

    # errors="nan", in blocks
    for start in range(0, len(items), block):
        chunk = items[start : start + block]
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                out = lenient.transform([*seed, *chunk])[1:]
        except Exception as exc:
            for i, item in enumerate(chunk):
                if verdict[start + i] != "crash":
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            lenient.transform([*seed, item])
                    except Exception as exc1:
                        record("crash", item, f"errors='nan': {type(exc1).__name__}: {exc1}"[:160])
                        verdict[start + i] = "crash"
            if not any(v == "crash" for v in verdict[start : start + block]):
                record("crash", chunk[0], f"block failed: {type(exc).__name__}: {exc}"[:160])
            continue
        out = out.toarray() if hasattr(out, "toarray") else np.asarray(out)
        out = out.astype(np.float64)
        ours = [str(w.message) for w in caught if issubclass(w.category, InvalidInputWarning)]
        if len(ours) > 1:
            record("silent junk", chunk[0], f"{len(ours)} InvalidInputWarnings for one call")
        listed = {r - 1 for r in _rows_in_warning(ours)}  # row 0 is the seed
        for i, item in enumerate(chunk):
            v = verdict[start + i]
            if v == "crash":
                continue
            nan_row = bool(np.isnan(out[i]).all())
            if nan_row and i not in listed:
                record("silent junk", item, "NaN row that no warning lists")
            elif not nan_row and i in listed:
                record("silent junk", item, "row listed as invalid but not NaN")
            elif not nan_row and not np.isfinite(out[i]).all():
                record("silent junk", item, "non-finite feature from a valid row (nan)")
            elif (v == "valid") == nan_row:
                record("silent junk", item, f"errors='raise' says {v}, errors='nan' disagrees")
            elif v == "valid":
                if mode == "smiles":
                    why = smiles_junk(item)
                else:
                    amounts = None
                    if isinstance(item, str | Mapping):
                        row = lenient.amount_matrix([*seed, item])[1]
                        table = lenient.element_table_.index
                        pairs = zip(row.indices, row.data, strict=True)
                        amounts = {table[j]: amount for j, amount in pairs}
                    why = formula_junk(item, amounts)
                if why:
                    record("silent junk", item, why)
                else:
                    counts["valid"] += 1
            else:
                counts["rejected"] += 1
    return counts, examples


FEATURIZERS: dict[str, tuple[str, Callable[..., Any]]] = {
    "fingerprint": (
        "smiles",
        lambda **kw: FingerprintFeaturizer(kind=["morgan", "maccs", "atom_pair"], n_bits=512, **kw),
    ),
    "fingerprint_cyclic": (
        "smiles",
        lambda **kw: FingerprintFeaturizer(polymer="cyclic", counts=True, sparse=True, **kw),
    ),
    "fingerprint_hydrogen": (
        "smiles",
        lambda **kw: FingerprintFeaturizer(kind="rdkit", polymer="hydrogen", n_bits=512, **kw),
    ),
    "descriptor": ("smiles", lambda **kw: DescriptorFeaturizer(**kw)),
    "composition_formula": ("formula", lambda **kw: CompositionFeaturizer(**kw)),
    "composition_smiles": ("smiles", lambda **kw: CompositionFeaturizer(input="smiles", **kw)),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="inputs per featurizer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="comma-separated featurizer names")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or list(FEATURIZERS)
    smiles, formulas = _load_smiles(), _load_formulas()
    failed = False
    print(
        f"{'featurizer':22s} {'inputs':>7s} {'valid':>7s} {'rejected':>8s} {'crash':>6s} "
        f"{'junk':>6s} {'seconds':>8s}"
    )
    for name in names:
        mode, make = FEATURIZERS[name]
        rng = np.random.default_rng([args.seed, list(FEATURIZERS).index(name)])
        valid, other = (smiles, formulas) if mode == "smiles" else (formulas, smiles)
        items = make_inputs(args.n, valid, other, rng)
        start = time.perf_counter()
        with rdBase.BlockLogs():
            counts, examples = fuzz(name, make, items, mode)
        seconds = time.perf_counter() - start
        print(
            f"{name:22s} {len(items):7d} {counts['valid']:7d} {counts['rejected']:8d} "
            f"{counts['crash']:6d} {counts['silent junk']:6d} {seconds:8.1f}",
            flush=True,
        )
        for kind, lines in examples.items():
            for line in lines:
                print(f"    {kind}: {line}")
        failed |= bool(counts["crash"] or counts["silent junk"])
    return int(failed)


if __name__ == "__main__":
    sys.exit(main())
