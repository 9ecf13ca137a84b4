"""Take a dataset down from CKAN after a leak: make it private, or purge it.

The token comes from ``CKAN_API_TOKEN`` in the environment and is never logged.
``package_patch(private=True)`` hides the dataset and its resources from everyone but
its organisation at once; ``dataset_purge`` removes it and its files for good.
"""

from __future__ import annotations

import os

from .secrets import scrub


class CkanWithdrawError(RuntimeError):
    """CKAN refused (exit 2) or could not be reached (exit 3); the message never holds the token."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


def withdraw_from_ckan(url: str, name: str, purge: bool = False) -> dict:
    """Make dataset ``name`` private on the CKAN at ``url`` (or purge it)."""
    import ckanapi

    token = os.environ.get("CKAN_API_TOKEN")
    if not token:
        raise CkanWithdrawError("CKAN_API_TOKEN is not set: cannot change the CKAN dataset")
    ckan = ckanapi.RemoteCKAN(url.rstrip("/"), apikey=token, user_agent="terbuka withdraw")
    try:
        ckan.action.package_show(id=name)
        if purge:
            ckan.action.dataset_purge(id=name)
            return {"ckan": url, "dataset": name, "action": "purged"}
        ckan.action.package_patch(id=name, private=True)
        return {"ckan": url, "dataset": name, "action": "made private"}
    except ckanapi.NotFound:
        raise CkanWithdrawError(f"{url}: no dataset {name!r} in CKAN") from None
    except ckanapi.NotAuthorized:
        raise CkanWithdrawError(f"{url}: the token may not change dataset {name!r}") from None
    except ckanapi.ValidationError as error:
        raise CkanWithdrawError(scrub(f"{url}: CKAN refused: {error.error_dict}")) from None
    except (ckanapi.CKANAPIError, OSError) as error:
        raise CkanWithdrawError(f"{url}: CKAN failed: {type(error).__name__}", 3) from None
