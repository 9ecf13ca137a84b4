import shutil

import pytest

from terbuka.metadata import DescriptorError, list_datasets, load_descriptor, registry


@pytest.mark.parametrize("name", list_datasets())
def test_bundled_descriptors_load(name):
    descriptor = load_descriptor(name)
    assert descriptor.name == name
    assert descriptor.licence.url.startswith("https://")
    assert descriptor.schemas, "every dataset declares Table Schemas"


@pytest.fixture
def descriptor_copy(tmp_path):
    folder = tmp_path / "mine"
    shutil.copytree(load_descriptor("procurement").folder, folder)
    (folder / "dataset.yml").write_text(
        (folder / "dataset.yml").read_text().replace("name: procurement", "name: mine")
    )
    return folder


def edit(folder, old, new):
    path = folder / "dataset.yml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_descriptor_folder_can_be_given_by_path(descriptor_copy):
    assert load_descriptor(descriptor_copy).name == "mine"


def test_unknown_key_names_file_line_and_key(descriptor_copy):
    edit(
        descriptor_copy, "update_frequency: monthly", "update_frequency: monthly\nlicnese: CC0-1.0"
    )
    with pytest.raises(DescriptorError) as error:
        load_descriptor(descriptor_copy)
    message = str(error.value)
    assert "dataset.yml:" in message and "unknown key 'licnese'" in message
    line = int(message.split("dataset.yml:")[1].split(":")[0])
    assert (
        (descriptor_copy / "dataset.yml").read_text().splitlines()[line - 1].startswith("licnese")
    )


def test_unknown_nested_key_is_named_with_its_path(descriptor_copy):
    edit(
        descriptor_copy,
        "    facets: [tag, initiation_type]",
        "    facets: [tag, initiation_type]\n    facts: [x]",
    )
    with pytest.raises(DescriptorError, match=r"unknown key 'tables\.releases\.facts'"):
        load_descriptor(descriptor_copy)


def test_missing_licence_is_an_error(descriptor_copy):
    edit(descriptor_copy, "license: CC-BY-4.0\n", "")
    with pytest.raises(DescriptorError, match=r"dataset.yml:\d+: missing required key 'license'"):
        load_descriptor(descriptor_copy)


def test_unknown_spdx_id_is_an_error(descriptor_copy):
    edit(descriptor_copy, "license: CC-BY-4.0", "license: CC-BY-5.0")
    with pytest.raises(
        DescriptorError, match=r"dataset.yml:\d+: key 'license': 'CC-BY-5.0' is not a known SPDX"
    ):
        load_descriptor(descriptor_copy)


def test_invalid_yaml_names_the_line(descriptor_copy):
    (descriptor_copy / "dataset.yml").write_text("name: mine\ntitle: [unclosed\n")
    with pytest.raises(DescriptorError, match=r"dataset.yml:\d+: invalid YAML"):
        load_descriptor(descriptor_copy)


def test_invalid_table_schema_is_an_error(descriptor_copy):
    (descriptor_copy / "schema" / "items.json").write_text(
        '{"fields": [{"name": "x", "type": "nonsense"}]}'
    )
    with pytest.raises(DescriptorError, match=r"items.json: invalid Table Schema"):
        load_descriptor(descriptor_copy)


def test_unknown_dataset_name():
    with pytest.raises(DescriptorError, match="no such dataset"):
        load_descriptor("no-such-dataset")


@pytest.mark.parametrize("spdx", sorted(registry()))
def test_licence_registry_maps_to_ckan(spdx):
    licence = registry()[spdx]
    ckan_ids = {
        "cc-by",
        "cc-by-sa",
        "cc-zero",
        "cc-nc",
        "odc-odbl",
        "odc-by",
        "odc-pddl",
        "uk-ogl",
        "gfdl",
        "other-open",
        "other-pd",
        "other-at",
        "other-nc",
        "other-closed",
        "notspecified",
    }
    assert licence.ckan in ckan_ids
    assert licence.url.startswith("https://")
    assert licence.as_datapackage() == {"name": spdx, "path": licence.url, "title": licence.title}
