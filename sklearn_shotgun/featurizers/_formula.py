"""A fast parser of chemical formulas (private; used by :mod:`.composition`).

pymatgen's ``Composition`` parses a formula in ~30 µs; this regex-based parser takes a few
µs, which matters when the statistics themselves cost less than a microsecond per row.

Grammar (spaces, tabs and line breaks are ignored; only ASCII digits are numbers)::

    formula  := part (SEP part)*
    part     := [number] sequence          # a leading number multiplies the whole part
    sequence := (item [number])+
    item     := Element | "(" sequence ")" | "[" sequence "]" | "{" sequence "}"
    number   := digits ["." digits] | "." digits
    SEP      := "·" | "•" | "⋅" | "*" | a hydrate "."

A ``.`` is a decimal point when a digit follows it (``Li0.5CoO2``, ``Bi2Te1.5Se1.5``,
``Fe.5O``), with one exception: between a whole count (1 to 99) and a water molecule at the end of
the formula or before another separator it is a hydrate dot, so ``CuSO4.5H2O`` is
``CuSO4·5H2O`` (Cu S O9 H10), not pymatgen's ``Cu S O4.5 H2 O``. A ``.`` followed by a
letter or a bracket is always a separator (``CuSO4.H2O``).
"""

from __future__ import annotations

import re

__all__ = ["ELEMENT_SYMBOLS", "MAX_AMOUNT", "FormulaError", "parse_formula"]

_SYMBOLS = """H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn
Ga Ge As Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm
Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu
Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og"""
#: The 118 element symbols, in order of atomic number.
ELEMENT_SYMBOLS: tuple[str, ...] = tuple(_SYMBOLS.split())
_KNOWN = frozenset(ELEMENT_SYMBOLS)
#: Largest amount of an element in a composition. Real formulas stay far below it (a
#: protein has a few thousand carbons); a larger number is a typo or junk ("Fe" followed by
#: 400 nines reads as infinity), and amounts this size would overflow the sums of the
#: statistics for large property values.
MAX_AMOUNT = 1e9

#: Only ASCII digits are numbers, and only these blanks are ignored: an Arabic-Indic digit,
#: a control character or a Unicode line separator in a formula is junk, not chemistry.
_NUMBER = r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
_BLANKS = " \t\r\n"
#: A formula without brackets or separators: "Fe2O3", "Li0.5CoO2", "C1Pt1".
_SIMPLE = re.compile(rf"(?:[A-Z][a-z]*{_NUMBER}?)+")
_SIMPLE_TOKEN = re.compile(rf"([A-Z][a-z]*)({_NUMBER}?)")
_TOKEN = re.compile(rf"([A-Z][a-z]*)|({_NUMBER})|([(\[{{])|([)\]}}])|(.)", re.DOTALL)
#: Hydrate dots: between a whole count (1..99) and a water molecule that ends the formula or
#: a part (spaces allowed before the water: "CuSO4.5 H2O"), or right after a water molecule
#: when another adduct follows ("CaCl2.2H2O.2NH3").
_WATER_DOT = re.compile(
    r"(?:(?<=[A-Za-z)\]}][1-9])|(?<=[A-Za-z)\]}][1-9][0-9]))\.(?=[0-9]+[ \t]*H2O(?:$|[·•⋅*.]))"
    r"|(?<=H2O)\.(?=[0-9]*[ \t]*[A-Z(\[])"
)
#: Dots that cannot be decimal points (not followed by a digit).
_SEPARATOR_DOT = re.compile(r"\.(?![0-9])")
_SEPARATORS = re.compile(r"[·•⋅*]")
_LEADING_NUMBER = re.compile(_NUMBER)
_CLOSING = {"(": ")", "[": "]", "{": "}"}


class FormulaError(ValueError):
    """A formula that cannot be parsed; the message says why."""


def _sequence(text: str) -> dict[str, float]:
    """Parse brackets and element counts (no separators) into ``{symbol: amount}``."""
    stack: list[tuple[dict[str, float], str]] = [({}, "")]
    last: dict[str, float] | str | None = None  # element or closed group awaiting a count

    def flush(count: float) -> None:
        target = stack[-1][0]
        if isinstance(last, str):
            target[last] = target.get(last, 0.0) + count
        elif last is not None:
            for sym, amt in last.items():
                target[sym] = target.get(sym, 0.0) + amt * count

    for element, number, opening, closing, other in _TOKEN.findall(text):
        if element:
            flush(1.0)
            last = element
        elif number:
            if last is None:
                raise FormulaError(f"a number ({number}) without an element or group before it")
            flush(float(number))
            last = None
        elif opening:
            flush(1.0)
            last = None
            stack.append(({}, opening))
        elif closing:
            flush(1.0)
            group, bracket = stack.pop() if len(stack) > 1 else (None, "")
            if group is None or _CLOSING[bracket] != closing:
                raise FormulaError(f"unbalanced brackets at {closing!r}")
            if not group:
                raise FormulaError("an empty group '()'")
            last = group
        elif other not in _BLANKS:
            raise FormulaError(f"unexpected character {other!r}")
    flush(1.0)
    if len(stack) != 1:
        raise FormulaError(f"unclosed bracket {stack[-1][1]!r}")
    return stack[0][0]


def parse_formula(formula: str) -> dict[str, float]:
    """Parse a chemical formula into ``{element symbol: amount}``.

    Parameters
    ----------
    formula : str
        For example ``"Fe2O3"``, ``"Ca(OH)2"``, ``"K4[Fe(CN)6]"``, ``"Li0.5CoO2"``,
        ``"CuSO4·5H2O"`` or ``"CuSO4.5H2O"`` (see the module docstring for the grammar).

    Returns
    -------
    dict
        Amounts (floats) keyed by element symbol, in order of first appearance; an element
        that appears several times has the sum of its amounts.

    Raises
    ------
    FormulaError
        If the formula is empty, malformed, names an unknown element, or has an amount
        that is zero or above :data:`MAX_AMOUNT` (1e9).

    Examples
    --------
    >>> from sklearn_shotgun.featurizers._formula import parse_formula
    >>> parse_formula("Ca(OH)2")
    {'Ca': 1.0, 'O': 2.0, 'H': 2.0}
    >>> parse_formula("CuSO4.5H2O") == parse_formula("CuSO4·5H2O")
    True
    """
    if _SIMPLE.fullmatch(formula) and not ("H2O" in formula and _WATER_DOT.search(formula)):
        amounts: dict[str, float] = {}
        for sym, num in _SIMPLE_TOKEN.findall(formula):
            amounts[sym] = amounts.get(sym, 0.0) + (float(num) if num else 1.0)
    else:
        text = _SEPARATOR_DOT.sub("·", _WATER_DOT.sub("·", formula.strip(_BLANKS)))
        amounts = {}
        for part in _SEPARATORS.split(text):
            part = part.strip(_BLANKS)
            if not part:
                raise FormulaError("an empty part between separators")
            factor = 1.0
            lead = _LEADING_NUMBER.match(part)
            if lead:
                factor = float(lead.group())
                part = part[lead.end() :].lstrip(_BLANKS)
            counts = _sequence(part)
            if not counts:
                raise FormulaError(f"a part without elements ({part or lead.group()!r})")
            for sym, amt in counts.items():
                amounts[sym] = amounts.get(sym, 0.0) + amt * factor
    if not amounts:
        raise FormulaError("no element")
    for sym, amt in amounts.items():
        if sym not in _KNOWN:
            raise FormulaError(f"unknown element symbol {sym!r}")
        if not amt > 0:
            raise FormulaError(f"amount of {sym} is {amt:g}; amounts must be positive")
        if not amt <= MAX_AMOUNT:  # also catches inf (and NaN from inf * 0)
            raise FormulaError(f"amount of {sym} is {amt:g}; amounts must be at most 1e9")
    return amounts
