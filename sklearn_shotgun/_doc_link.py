"""Links from the estimators' HTML representation to their page in the API reference."""

from __future__ import annotations

DOC_LINK_TEMPLATE = (
    "https://sklearn-shotgun.readthedocs.io/en/latest/api/generated/"
    "sklearn_shotgun.{estimator_name}.html"
)


class DocLinkMixin:
    """Point scikit-learn's HTML repr (the "?" icon of a notebook diagram) at our docs.

    The public estimators are documented under the package's top-level name
    (``sklearn_shotgun.FingerprintFeaturizer``), whatever module defines them; private helpers
    that show up inside a fitted estimator's diagram (heads, column selectors) have no page,
    so they get no link.
    """

    _doc_link_module = "sklearn_shotgun"
    _doc_link_template = DOC_LINK_TEMPLATE

    def _get_doc_link(self) -> str:
        import sklearn_shotgun

        name = type(self).__name__
        if name not in sklearn_shotgun.__all__:
            return ""
        return self._doc_link_template.format(estimator_name=name)
