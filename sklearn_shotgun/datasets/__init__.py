"""Public data sets: packaged, local, or downloaded with a sha256 check and cached."""

from ._fetch import data_home, fetch_file
from ._loaders import QM9_PROPERTIES, load_qm9, load_radonpy

__all__ = ["QM9_PROPERTIES", "data_home", "fetch_file", "load_qm9", "load_radonpy"]
