"""The scaling bench's projection: fixed costs apart from costs per release."""

import importlib.util

import pytest
from conftest import ROOT

spec = importlib.util.spec_from_file_location("scale_bench", ROOT / "bench" / "scale.py")
scale = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scale)


def _run(releases: int, serial: float, parallel: float) -> dict:
    return {"releases": releases, "serial": serial, "parallel": parallel, "wall": 0.0}


def test_two_sizes_separate_fixed_costs_from_costs_per_release():
    # serial = 3 s + 0.5 ms per release, parallel = 1 s + 2 ms per release
    small = _run(4000, 3 + 4000 * 0.0005, 1 + 4000 * 0.002)
    large = _run(16000, 3 + 16000 * 0.0005, 1 + 16000 * 0.002)
    fitted = scale.fit(small, large)
    assert fitted["serial"] == pytest.approx((3.0, 0.0005))
    assert fitted["parallel"] == pytest.approx((1.0, 0.002))
    lines = scale.project_fitted(small, large)
    hours_32 = (4 + 10_000_000 * (0.0005 + 0.002 / 32)) / 3600
    assert f"on  32 workers: {hours_32:6.2f} h" in "\n".join(lines)


def test_a_noisy_negative_fixed_cost_is_read_as_all_per_release():
    small = _run(4000, 5.0, 8.0)
    large = _run(16000, 4.0, 32.0)  # the serial part fell: noise
    assert scale.fit(small, large)["serial"] == (0.0, 4.0 / 16000)
