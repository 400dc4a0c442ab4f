"""Library recipes shipped with the package (TOML, read by ``sklearn_shotgun.library.build``).

- ``quick.toml``: a few source properties over molecules, polymers and inorganic compounds,
  built in minutes on a laptop (the demo's library);
- ``mdl.toml``: the full library over the public data sets of ``sklearn_shotgun.datasets``.
"""
