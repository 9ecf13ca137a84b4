"""The suite's own scheduling: every test that uses CKAN runs in one xdist worker."""

from pathlib import Path

from conftest import files_using_ckan


def test_every_file_with_a_ckan_test_is_scheduled_in_the_ckan_group(request):
    """The controller groups files by reading them; the workers mark the tests that take
    the ``ckan`` fixture. A file the controller missed would start a second CKAN on the
    same ports in the other worker, whose teardown stops it under the first's tests."""
    grouped = files_using_ckan(Path(__file__).parent)
    marked = {
        item.nodeid.split("::", 1)[0]
        for item in request.session.items
        if item.get_closest_marker("ckan")
    }
    assert marked <= grouped, marked - grouped
    assert {"tests/test_ckan.py", "tests/test_pull_ckan.py", "tests/test_csv_gzip.py"} <= grouped
    assert "tests/test_scheduling.py" not in grouped and "tests/test_bounds.py" not in grouped
