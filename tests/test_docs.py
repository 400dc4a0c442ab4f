"""The API reference (docs/api/index.rst) lists every public name, where the HTML repr links.

``make docs`` builds the site and fails on warnings; these checks run in ``make test`` too,
without Sphinx, so that a new public name or a moved page is caught by the test suite.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import sklearn_shotgun

API = Path(__file__).resolve().parents[1] / "docs" / "api" / "index.rst"

# Modules whose __all__ the reference covers (the same list as docs/conf.py's check).
MODULES = [
    "sklearn_shotgun",
    "sklearn_shotgun.featurizers",
    "sklearn_shotgun.featurizers.elements",
    "sklearn_shotgun.featurizers.fingerprint",
    "sklearn_shotgun.library",
    "sklearn_shotgun.library.hub",
    "sklearn_shotgun.baseline",
    "sklearn_shotgun.datasets",
    "sklearn_shotgun.evaluation",
    "sklearn_shotgun.transfer_map",
    "sklearn_shotgun.plotting",
]


# Public top-level modules that have no section of their own in the reference, and why.
NOT_IN_REFERENCE = {
    "cli": "the command line: documented in the user guide and by --help",
    "nets": "the training engine of ShotgunPretrainer",
    "pretrain": "ShotgunPretrainer is documented under sklearn_shotgun",
    "recipes": "TOML data files of build_library",
    "transfer": "the transfer estimators are documented under sklearn_shotgun",
}


def documented_names() -> set[str]:
    """Full names of the autosummary entries and autodata directives, by ``currentmodule``."""
    names: set[str] = set()
    module = None
    in_autosummary = False
    for line in API.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match[1]
        elif match := re.match(r"\.\. autodata:: (\w+)", line):
            names.add(f"{module}.{match[1]}")
        elif line.startswith(".. autosummary::"):
            in_autosummary = True
        elif in_autosummary and (match := re.fullmatch(r"   (\w+)", line)):
            names.add(f"{module}.{match[1]}")
        elif in_autosummary and line and not line.startswith(" "):
            in_autosummary = False
    return names


def test_conf_checks_the_same_modules():
    conf = (API.parents[1] / "conf.py").read_text(encoding="utf-8")
    listed = re.search(r"_API_MODULES = \((.*?)\)", conf, flags=re.S)[1]
    assert sorted(re.findall(r'"([\w.]+)"', listed)) == sorted(MODULES)


def test_every_public_module_has_a_section_or_a_reason():
    children = {
        info.name
        for info in pkgutil.iter_modules(sklearn_shotgun.__path__)
        if not info.name.startswith("_")
    }
    documented = {name.split(".")[1] for name in MODULES if "." in name}
    assert sorted(children - documented - set(NOT_IN_REFERENCE)) == []


@pytest.mark.parametrize("module", MODULES)
def test_api_reference_lists_every_public_name(module):
    names = documented_names()
    # A name re-exported from a parent module is documented once, under its public path.
    short = {name.rsplit(".", 1)[1] for name in names}
    public = [name for name in importlib.import_module(module).__all__ if name != "__version__"]
    missing = [name for name in public if name not in short]
    assert not missing, f"docs/api/index.rst does not list {module}: {missing}"


def test_top_level_names_have_top_level_pages():
    # The HTML repr links to api/generated/sklearn_shotgun.<Name>.html: the page of each name
    # of sklearn_shotgun.__all__ must be generated under that exact name.
    names = documented_names()
    missing = [
        name
        for name in sklearn_shotgun.__all__
        if name != "__version__" and f"sklearn_shotgun.{name}" not in names
    ]
    assert not missing


def test_estimator_doc_links_match_the_page_layout():
    names = documented_names()
    linked = 0
    for name in sklearn_shotgun.__all__:
        obj = getattr(sklearn_shotgun, name)
        if not (isinstance(obj, type) and hasattr(obj, "_get_doc_link")):
            continue
        url = obj._get_doc_link(obj.__new__(obj))
        assert url == (
            "https://sklearn-shotgun.readthedocs.io/en/latest/api/generated/"
            f"sklearn_shotgun.{name}.html"
        )
        assert f"sklearn_shotgun.{name}" in names
        linked += 1
    assert linked >= 7  # featurizers, pretrainer, transfer estimators, baseline
