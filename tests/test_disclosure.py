from terbuka.privacy.disclosure import enforce_k_anonymity, group_sizes, suppress_small_cells


def test_k_anonymity_suppresses_small_groups_only():
    rows = [{"village": "A", "age": "30-39", "x": i} for i in range(5)] + [
        {"village": "B", "age": "70-79", "x": 9}
    ]
    report = enforce_k_anonymity(rows, ["village", "age"], k=3)
    assert report.smallest_group == 1 and report.rows_in_small_groups == 1
    assert rows[-1] == {"village": None, "age": None, "x": 9}
    assert report.suppressed_values == 2
    assert all(r["village"] == "A" and r["age"] == "30-39" for r in rows[:5])
    after = group_sizes(rows, ["village", "age"])
    assert all(n >= 3 for key, n in after.items() if None not in key)


def test_small_cells_and_their_dependents_are_blanked():
    rows = [
        {"requests": 2, "median_hours": 5.0},
        {"requests": 0, "median_hours": None},
        {"requests": 12, "median_hours": 3.0},
    ]
    assert suppress_small_cells(rows, ["requests"], 5, {"requests": ["median_hours"]}) == 1
    assert rows == [
        {"requests": None, "median_hours": None},
        {"requests": 0, "median_hours": None},
        {"requests": 12, "median_hours": 3.0},
    ]
