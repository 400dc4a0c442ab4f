"""``sklearn-shotgun library``: build a library from a recipe, inspect, filter, push and pull it.

``LIBRARY`` arguments are a library directory or ``hf://owner/name[@revision]`` (a Hub
library, downloaded into the Hugging Face cache: ``info`` reads only its ``library.json``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ._common import HelpFormatter, note, positive_int

__all__ = ["add_filters", "add_parser", "filters_of", "open_library"]

_FILTERS = ("property", "material", "descriptor", "dataset", "target_transform", "task")


def add_filters(parser: argparse.ArgumentParser) -> None:
    """The ``ModelLibrary.filter`` options; each may be repeated (any of the values)."""
    group = parser.add_argument_group(
        "filters", "keep only matching models (ModelLibrary.filter); repeat an option for any of"
    )
    for key in _FILTERS:
        group.add_argument(
            f"--{key.replace('_', '-')}",
            dest=f"filter_{key}",
            action="append",
            metavar="VALUE",
            help=f"keep models whose {key.replace('_', ' ')} is VALUE",
        )
    group.add_argument(
        "--min-r2", type=float, metavar="R2", help="keep models with an out-of-bag R2 >= R2"
    )


def filters_of(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of ``ModelLibrary.filter`` that ``add_filters``' options give."""
    out: dict[str, Any] = {}
    for key in _FILTERS:
        values = getattr(args, f"filter_{key}", None)
        if values:
            out[key] = values[0] if len(values) == 1 else list(values)
    if getattr(args, "min_r2", None) is not None:
        out["min_r2"] = args.min_r2
    return out


def _hub_error(what: str, exc: Exception) -> ValueError:
    message = " ".join(str(exc).split())[:500]
    return ValueError(f"{what}: {type(exc).__name__}: {message}")


def open_library(spec: str, lazy: bool = False, **filters: Any) -> Any:
    """A library directory, or ``hf://owner/name[@rev]`` (with ``lazy``: only its index)."""
    from ..library import ModelLibrary

    if spec.startswith("hf://"):
        from huggingface_hub.utils import HfHubHTTPError

        from ..library.hub import _load_index, load_hub_uri, parse_hub_uri

        repo_id, revision = parse_hub_uri(spec)
        try:
            if lazy:
                return _load_index(repo_id, revision)[1].filter(**filters)
            return load_hub_uri(spec, **filters)
        except (HfHubHTTPError, OSError) as exc:
            if isinstance(exc, FileNotFoundError):
                raise
            raise _hub_error(f"cannot download {spec}", exc) from None
    path = Path(spec)
    if not path.exists():
        raise FileNotFoundError(f"{spec}: no such library directory")
    library = ModelLibrary.load(path, lazy=lazy)
    return library.filter(**filters) if filters else library


def _check_out(out: str, overwrite: bool = False) -> Path:
    """``--out``: a new or empty directory, or (with ``overwrite``) one holding a library."""
    path = Path(out)
    if path.is_file():
        raise FileExistsError(f"{out} is a file, not a directory")
    if path.is_dir() and any(path.iterdir()):
        if not (path / "library.json").exists():
            raise FileExistsError(f"{out} is a non-empty directory; choose another --out")
        if not overwrite:
            raise FileExistsError(f"{out} already holds a library; add --overwrite to replace it")
    return path


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``library`` and its subcommands."""
    p = sub.add_parser(
        "library",
        help="build a library from a recipe; inspect, filter, push or pull it",
        description="Model libraries of many source properties: build one from a recipe "
        "(TOML), show its sources, keep a subset, share it on the Hugging Face Hub.",
        formatter_class=HelpFormatter,
    )
    actions = p.add_subparsers(
        dest="action", required=True, metavar="ACTION", help="what to do with a library"
    )

    b = actions.add_parser(
        "build",
        help="pretrain every source of a recipe into one library directory (resumable)",
        description="Build a library from a recipe: a shipped name (quick, mdl) or a TOML "
        "file. Interrupted builds resume from their checkpoints; raising a source's n_models "
        "trains only the new networks.",
        formatter_class=HelpFormatter,
    )
    b.add_argument("recipe", help="recipe name (quick, mdl) or path of a TOML recipe")
    b.add_argument("--out", required=True, metavar="DIR", help="library directory")
    b.add_argument(
        "--n-jobs", type=int, default=None, help="joblib workers per source (-1: all cores)"
    )
    b.add_argument("--random-state", type=int, help="seed (default: the recipe's)")
    b.add_argument(
        "--n-models",
        type=positive_int,
        help="networks per source for every source, in place of the recipe's (a smaller "
        "build for a first look; building again without it trains only the rest)",
    )
    b.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    b.set_defaults(handler=run_build)

    i = actions.add_parser(
        "info",
        help="the sources of a library, one row per source (ModelLibrary.summary)",
        description="Print one row per source: property, target form, units, material, data "
        "set, descriptor, number of networks and their out-of-bag metrics. For a Hub library "
        "only library.json is downloaded.",
        formatter_class=HelpFormatter,
    )
    i.add_argument("library", help="library directory or hf://owner/name[@revision]")
    i.add_argument("--csv", action="store_true", help="print the table as CSV")
    add_filters(i)
    i.set_defaults(handler=run_info)

    f = actions.add_parser(
        "filter",
        help="save the matching models of a library as a new library",
        description="Keep the models matching every filter and save them as a new library.",
        formatter_class=HelpFormatter,
    )
    f.add_argument("library", help="library directory or hf://owner/name[@revision]")
    f.add_argument("--out", required=True, metavar="DIR", help="the new library's directory")
    f.add_argument("--overwrite", action="store_true", help="replace a library in --out")
    add_filters(f)
    f.set_defaults(handler=run_filter)

    push = actions.add_parser(
        "push",
        help="upload a library directory to a Hugging Face Hub model repository",
        description="Upload a library (library.json, shards and a generated model card) as "
        "one commit of a Hub model repository, created if needed. Prints the commit hash: "
        "pin it when pulling (hf://owner/name@<commit>).",
        formatter_class=HelpFormatter,
    )
    push.add_argument("library", help="library directory")
    push.add_argument("repo_id", metavar="REPO_ID", help="owner/name")
    push.add_argument("--revision", help="branch to commit to (created if missing)")
    push.add_argument("--private", action="store_true", help="create the repository private")
    push.add_argument("--token", help="Hub token (default: the logged-in user's, or HF_TOKEN)")
    push.add_argument(
        "--commit-message", default="Upload sklearn-shotgun model library", help="of the commit"
    )
    push.add_argument("--shard-size", type=positive_int, default=256, help="models per shard")
    push.set_defaults(handler=run_push)

    pull = actions.add_parser(
        "pull",
        help="download a Hub library (only the shards the filters need) into a directory",
        description="Download a library from the Hub into the Hugging Face cache, fetching "
        "only the shards that hold the models the filters keep, and save it to --out.",
        formatter_class=HelpFormatter,
    )
    pull.add_argument("repo_id", metavar="REPO_ID", help="owner/name or hf://owner/name[@rev]")
    pull.add_argument("--out", required=True, metavar="DIR", help="library directory to write")
    pull.add_argument("--revision", help="branch, tag or commit hash (pin a commit)")
    pull.add_argument("--token", help="Hub token, for private repositories")
    pull.add_argument("--force-download", action="store_true", help="ignore the cache")
    pull.add_argument("--overwrite", action="store_true", help="replace a library in --out")
    add_filters(pull)
    pull.set_defaults(handler=run_pull)
    return p


def run_build(args: argparse.Namespace) -> int:
    """Handler of ``library build``."""
    from ..library import build_library

    out = build_library(
        args.recipe,
        args.out,
        n_jobs=args.n_jobs,
        verbose=0 if args.quiet else 1,
        random_state=args.random_state,
        n_models=args.n_models,
    )
    note(f"library written to {out}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    """Handler of ``library info``."""
    import pandas as pd

    library = open_library(args.library, lazy=True, **filters_of(args))
    table = library.summary()
    if args.csv:
        table.to_csv(sys.stdout, index=False)
        return 0
    title = f"{args.library}: {len(library)} models over {len(table)} sources"
    if library.name:
        title += f" ({library.name})"
    print(title)
    if len(table):
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(table.drop(columns=["featurizer"]).to_string(index=False, float_format="%.3g"))
    return 0


def run_filter(args: argparse.Namespace) -> int:
    """Handler of ``library filter``."""
    filters = filters_of(args)
    if not filters:
        raise ValueError("give at least one filter (--property, --material, ... or --min-r2)")
    out = _check_out(args.out, args.overwrite)
    # A local library is filtered from its index alone; a Hub one downloads the needed shards.
    lazy = not args.library.startswith("hf://")
    library = open_library(args.library, lazy=lazy, **filters)
    if not len(library):
        raise ValueError(f"no model of {args.library} matches {filters}")
    library.save(out)
    note(f"{len(library)} models written to {out}")
    return 0


def run_push(args: argparse.Namespace) -> int:
    """Handler of ``library push``."""
    from huggingface_hub.utils import HfHubHTTPError

    from ..library.hub import push_to_hub

    if args.library.startswith("hf://"):
        raise ValueError("push uploads a library directory; pull the Hub library first")
    library = open_library(args.library, lazy=True)
    try:
        info = push_to_hub(
            library,
            args.repo_id,
            token=args.token,
            private=args.private,
            commit_message=args.commit_message,
            revision=args.revision,
            shard_size=args.shard_size,
        )
    except (HfHubHTTPError, OSError) as exc:
        raise _hub_error(f"cannot push to {args.repo_id}", exc) from None
    print(info.oid)
    note(f"pushed {len(library)} models: {info.commit_url} (pull: hf://{args.repo_id}@{info.oid})")
    return 0


def run_pull(args: argparse.Namespace) -> int:
    """Handler of ``library pull``."""
    from huggingface_hub.utils import HfHubHTTPError

    from ..library.hub import from_hub, parse_hub_uri

    repo_id, revision = args.repo_id, args.revision
    if repo_id.startswith("hf://"):
        repo_id, in_uri = parse_hub_uri(repo_id)
        if in_uri and revision and in_uri != revision:
            raise ValueError(f"two revisions: {args.repo_id} and --revision {revision}")
        revision = revision or in_uri
    out = _check_out(args.out, args.overwrite)
    try:
        library = from_hub(
            repo_id,
            revision=revision,
            token=args.token,
            force_download=args.force_download,
            **filters_of(args),
        )
    except FileNotFoundError:
        raise
    except (HfHubHTTPError, OSError) as exc:
        raise _hub_error(f"cannot download {args.repo_id}", exc) from None
    if not len(library):
        raise ValueError(f"no model of {args.repo_id} matches {filters_of(args)}")
    library.save(out)
    note(f"{len(library)} models written to {out}")
    return 0
