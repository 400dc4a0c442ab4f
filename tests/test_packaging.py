"""Packaging metadata: licence, changelog and citation files agree with the package."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

import sklearn_shotgun

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    """The [project] keys these tests need (tomllib is Python >= 3.11; we support 3.10)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = text.split("[project]\n", 1)[1].split("\n[", 1)[0]
    out = {}
    for key in ("license", "license-files"):
        match = re.search(rf"^{key} = (.+)$", project, flags=re.MULTILINE)
        assert match, key
        out[key] = ast.literal_eval(match[1])
    return {"project": out}


def test_license_file_matches_the_metadata():
    project = _pyproject()["project"]
    assert project["license"] == "BSD-3-Clause"
    assert "LICENSE" in project["license-files"]
    for name in project["license-files"]:
        assert (ROOT / name).is_file(), name
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("BSD 3-Clause License")
    assert "Copyright (c) 2026, sklearn-shotgun developers" in text
    assert "Neither the name of the copyright holder" in text  # the third clause


def test_citation_cff_parses_with_the_required_keys():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    for key in ("cff-version", "message", "title", "authors"):
        assert cff.get(key), key
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] == "software"
    assert cff["version"] == sklearn_shotgun.__version__
    assert cff["license"] == _pyproject()["project"]["license"]
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    paper = cff["preferred-citation"]
    for key in ("type", "title", "authors"):
        assert paper.get(key), key
    assert paper["doi"] == "10.1021/acscentsci.9b00804"
    assert paper["journal"] == "ACS Central Science"
    assert (paper["year"], paper["volume"], paper["issue"]) == (2019, 5, 10)
    assert (paper["start"], paper["end"]) == (1717, 1730)
    assert [a["family-names"] for a in paper["authors"]] == [
        "Yamada",
        "Liu",
        "Wu",
        "Koyama",
        "Ju",
        "Shiomi",
        "Morikawa",
        "Yoshida",
    ]
    assert cff["references"] == [paper]


def test_changelog_has_an_unreleased_section():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog")
    headings = re.findall(r"^## \[(.+?)\]", text, flags=re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert "### Added" in text
