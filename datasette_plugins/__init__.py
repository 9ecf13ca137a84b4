"""Datasette plugins for terbuka sites: panels, catalog routes, charts and translations.

They read only what the publish stage wrote (the databases and their metadata) and never
import the pipeline.
"""

from datasette import hookimpl


@hookimpl
def startup(datasette) -> None:  # noqa: ANN001
    """Answer an unknown path with 404, not 500, and keep request data out of the log.

    Datasette 0.65's default error handler prints every error with ``rich`` and
    ``show_locals=True``. For a path no route matches (``/.x/y.z``) it builds the 404
    outside an ``except`` block, where rich raises ``ValueError`` — so the reader gets a
    500. And for every other error it writes the request's locals (cookies, form fields
    of the feedback form, query values) to the server log. Without rich, Datasette falls
    back to a plain traceback for real 500s and prints nothing for a 404.
    """
    from datasette import handle_exception

    handle_exception.rich = None
