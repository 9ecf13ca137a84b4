"""The card's generic folders install under one `terbuka` package, all of them."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_python_package_folder_is_installed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping = config["package-dir"]
    declared = set(config["packages"])
    for package, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            name = ".".join([package, *relative.parts])
            assert name in declared, f"{init.parent} is not listed in pyproject packages"


def test_no_bare_top_level_packages():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert all(p.startswith("terbuka.") for p in config["packages"])


def test_bundled_descriptors_are_package_data():
    import terbuka.metadata

    folder = Path(terbuka.metadata.__file__).parent
    assert (folder / "procurement" / "dataset.yml").exists()
    assert (folder / "licences.yml").exists()
