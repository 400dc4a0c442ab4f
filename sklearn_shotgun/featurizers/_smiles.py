"""Strict SMILES parsing shared by the molecule featurizers (private).

RDKit's parser is lenient in ways that turn junk into a molecule: it stops reading at a NUL
character (``"CC\\x00junk"`` is ethane), skips some bytes it does not understand
(``"éCC"`` is ethane), reads only the first line (``"CC\\njunk"``), and by default takes
text after a space for the molecule's name (``"CC junk"``). Here a SMILES is valid only when
every character is printable ASCII other than a space, after surrounding blanks (spaces,
tabs, line breaks), which are formatting rather than chemistry, have been stripped; RDKit
then parses it without a name.
"""

from __future__ import annotations

from typing import Any

from rdkit import Chem

__all__ = ["parse_smiles", "smiles_problem"]

#: Surrounding characters that are stripped: the blanks of a CSV cell or a text file line.
_OUTER_BLANKS = " \t\r\n"


def _smiles_params() -> Chem.SmilesParserParams:
    params = Chem.SmilesParserParams()
    params.parseName = False
    return params


_SMILES_PARAMS = _smiles_params()


def smiles_problem(text: str) -> str | None:
    """Why ``text`` cannot be a SMILES before RDKit even looks at it, or None.

    Parameters
    ----------
    text : str
        The SMILES, with surrounding blanks already stripped.

    Returns
    -------
    str or None
        A reason naming the first character outside printable ASCII (or an inner blank),
        with its position; None when every character may appear in a SMILES.
    """
    if text.isascii() and text.isprintable() and " " not in text:
        return None
    for pos, char in enumerate(text):
        if not ("!" <= char <= "~"):
            kind = "a blank" if char.isspace() else "not printable ASCII"
            return f"character {char!r} at position {pos} is {kind}, which SMILES never contain"
    return None  # pragma: no cover - the fast test above covers every other string


def parse_smiles(item: Any) -> tuple[Chem.Mol | None, str]:
    """The molecule of a SMILES string or RDKit ``Mol``, or None and the reason.

    Parameters
    ----------
    item : str or rdkit.Chem.Mol
        Any other type is invalid (the reason names the type). A Mol that was never
        sanitised is sanitised (a copy); one that cannot be is invalid.

    Returns
    -------
    mol : rdkit.Chem.Mol or None
        None for invalid input.
    reason : str
        Why ``item`` is invalid; empty when ``mol`` is not None.
    """
    if isinstance(item, Chem.Mol):
        mol = item
        if mol.NeedsUpdatePropertyCache():
            # An unsanitised Mol (sanitize=False, MolFromSmarts, an edited RWMol): RDKit's
            # fingerprints raise on it and its descriptors fail silently. Sanitise a copy.
            mol = Chem.Mol(item)
            try:
                Chem.SanitizeMol(mol)
            except (ValueError, RuntimeError) as exc:
                return None, f"RDKit cannot sanitize this Mol: {str(exc).strip()}"
    elif isinstance(item, str):
        text = item.strip(_OUTER_BLANKS)
        problem = smiles_problem(text)
        if problem is not None:
            return None, problem
        mol = Chem.MolFromSmiles(text, _SMILES_PARAMS)
        if mol is None:
            return None, "RDKit could not parse it"
    else:
        return None, f"expected a SMILES string or an RDKit Mol, got {type(item).__name__}"
    if mol.GetNumAtoms() == 0:
        return None, "a molecule without atoms"
    return mol, ""
