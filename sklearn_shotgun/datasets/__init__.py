"""Public data sets: pinned, sha256-verified, downloaded once and cached.

Every data set a library recipe or the accuracy benchmark uses is registered in
:data:`DATASETS` (name -> :class:`DataSet`: pinned address of each file and its sha256,
input and target columns, units, material class, licence, citation); :func:`list_datasets`
gives them as a table.

**API decision.** Loading follows scikit-learn's ``fetch_*`` functions, once for all data sets:
``fetch_dataset(name, target=None, as_frame=False, return_X_y=False)`` returns a
:class:`sklearn.utils.Bunch` with ``frame`` (the whole table as published), ``data`` (the
inputs: SMILES, formulas, ...), ``target``, ``feature_names``, ``target_names``, ``units``,
``DESCR`` (source, licence, citation), or ``(data, target)`` with ``return_X_y=True``. Unlike
scikit-learn, ``frame`` is given whatever ``as_frame`` says (it is read anyway), ``data`` is
1-D when the data set has one input column (the package's featurizers take a sequence of
strings), and rows with a missing input or target are left out of ``data``/``target``
unless ``dropna=False``. ``read_frame(name)`` gives just the table. The two older loaders,
:func:`load_qm9` and :func:`load_radonpy`, keep returning DataFrames (examples and
benchmarks use them) and read through the same verified path.

**Files.** A file is looked for under the data home (``home=``, else
``$SKLEARN_SHOTGUN_DATA``, else ``~/.cache/sklearn_shotgun``) at the same relative path as in
the project's ``shared/data`` folder, so that folder serves as a local mirror. A missing file is
downloaded under a file lock, streamed to a temporary file, checked against its sha256 and only
then renamed into place; a corrupted or interrupted download raises
:class:`DataIntegrityError` (a ``ValueError``) or :class:`DownloadError` (an ``OSError``) that
names the address and the file, and nothing is cached. ``base_url=`` points the downloads at a
mirror serving the files under the same URL paths.
"""

from ._fetch import DataIntegrityError, DownloadError, data_home, fetch_file, mirror_url
from ._loaders import QM9_PROPERTIES, fetch_dataset, load_qm9, load_radonpy, read_frame
from ._registry import DATASETS, DataSet, RemoteFile, list_datasets

__all__ = [
    "DATASETS",
    "QM9_PROPERTIES",
    "DataIntegrityError",
    "DataSet",
    "DownloadError",
    "RemoteFile",
    "data_home",
    "fetch_dataset",
    "fetch_file",
    "list_datasets",
    "load_qm9",
    "load_radonpy",
    "mirror_url",
    "read_frame",
]
