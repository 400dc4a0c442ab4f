"""Sphinx configuration of the sklearn-shotgun documentation (``make docs``).

The build is offline: no intersphinx inventories are downloaded, so references to other
projects (numpy, scikit-learn, ...) render as plain code and are exempt from the nitpicky
check; references to this package's own objects must resolve (``sphinx-build -W -n``).
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

# The gallery reads real data through the package's loaders. The Makefile sets
# SKLEARN_SHOTGUN_DATA to ../shared/data when it exists; a direct sphinx-build call from a
# checkout beside that folder gets the same default.
_shared = ROOT.parent / "shared" / "data"
if "SKLEARN_SHOTGUN_DATA" not in os.environ and _shared.is_dir():
    os.environ["SKLEARN_SHOTGUN_DATA"] = str(_shared)

import sklearn_shotgun  # noqa: E402

project = "sklearn-shotgun"
author = "sklearn-shotgun developers"
copyright = "2026, sklearn-shotgun developers"
release = sklearn_shotgun.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.json",
]

# -- references --------------------------------------------------------------------------
nitpicky = True
default_role = "literal"
# Offline build: no intersphinx. Names of other projects cannot resolve; ours must.
_external = (
    "numpy|np|pandas|pd|scipy|sklearn|torch|skorch|matplotlib|joblib|rdkit|pymatgen"
    "|huggingface_hub|safetensors|dask|pathlib|os|typing|collections|optuna|tqdm|Path"
)
nitpick_ignore_regex = [
    (r"py:.*", rf"({_external})(\..*)?"),
]

# -- autodoc / autosummary / numpydoc ----------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc sections document the types
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
# Checks enforced on every documented object (a failing check is a warning, hence an error
# under -W): a summary line, a closing period, known section names in order, no
# undocumented or unknown parameters.
numpydoc_validation_checks = {"GL06", "GL07", "SS01", "PR02", "PR10", "RT02"}
numpydoc_validation_exclude = {
    r"\._[a-z]",  # private
    r"\.__[a-z]+__$",  # dunder methods
    r"\.[A-Z0-9_]+$",  # module constants: documented by a ``#:`` comment, not a docstring
    # numpydoc takes a first parameter named ``cls`` for a classmethod's and drops it.
    r"^sklearn_shotgun\.library\.register_featurizer$",
}

# -- sphinx-gallery ------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": [str(ROOT / "examples" / "gallery")],
    "gallery_dirs": ["auto_examples"],
    # Only the short gallery examples run in the build; examples/*.py are longer scripts.
    "filename_pattern": r"plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sklearn_shotgun",),
    "backreferences_dir": "api/generated/backreferences",
    "reference_url": {"sklearn_shotgun": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "min_reported_time": 5,
    # Show what the examples print, not the repr of a cell's last expression (an Axes).
    "capture_repr": (),
    "show_memory": False,
    "abort_on_example_error": True,
    "run_stale_examples": False,
}

# -- MyST ----------------------------------------------------------------------------------
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

# -- HTML ----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-shotgun {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
}
html_show_sourcelink = False

warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is currently using agg")


# -- event handlers ------------------------------------------------------------------------
def _skip_member(app, what, name, obj, skip, options):
    # scikit-learn generates set_{fit,predict,...}_request on every estimator; its own
    # documentation of metadata routing explains them (and their docstrings link into it).
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def _public_alias(app, env, node, contnode):
    """Resolve a reference to one of our objects written under another path.

    Docstrings name objects by the module that defines them
    (``sklearn_shotgun.evaluation.evaluate_transfer``) or relative to it (``ModelLibrary.filter``),
    while the reference documents each public name once, under the path users import it from
    (``sklearn_shotgun.evaluate_transfer``). A reference that matches no documented object of
    the package, or more than one, is left unresolved (an error under ``-n -W``).
    """
    from sphinx.util.nodes import make_refnode

    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    objects = env.get_domain("py").objects
    parts = target.split(".")
    for start in range(len(parts)):
        tail = ".".join(parts[start:])
        matches = {
            name
            for name in objects
            if name.startswith("sklearn_shotgun.") and (name.endswith("." + tail))
        }
        if len(matches) > 1 and node.get("py:class"):
            scope = f".{node['py:class']}.{tail}"
            matches = {name for name in matches if name.endswith(scope)} or matches
        # autodoc records an object under its public path and, as an alias, under the
        # (private) module that defines it: both are the same target.
        targets = {(objects[name].docname, objects[name].node_id) for name in matches}
        if len(targets) == 1:
            docname, node_id = targets.pop()
            return make_refnode(app.builder, node["refdoc"], docname, node_id, contnode, target)
        if matches:
            return None
    return None


# Modules whose ``__all__`` the API reference must cover, name by name.
_API_MODULES = (
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
)


def _check_api_complete(app):
    """Warn (an error under -W) about a public name that ``api/index.rst`` does not list."""
    import importlib
    import re

    from sphinx.util import logging

    text = (DOCS / "api" / "index.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s+([A-Za-z_][A-Za-z0-9_]*)\s*$", text, flags=re.M))
    listed |= set(re.findall(r"^\.\. auto\w+:: ([A-Za-z_][A-Za-z0-9_]*)", text, flags=re.M))
    logger = logging.getLogger(__name__)
    for module in _API_MODULES:
        for name in importlib.import_module(module).__all__:
            if name != "__version__" and name not in listed:
                logger.warning("api/index.rst does not list the public name %s.%s", module, name)


def setup(app):
    app.connect("builder-inited", _check_api_complete)
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("missing-reference", _public_alias)
