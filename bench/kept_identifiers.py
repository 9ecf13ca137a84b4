"""What the identifier check of kept columns costs, on procurement-shaped rows.

Prints rows/s of ``Redactor.rows`` over ids, dates, URLs and file names kept verbatim,
with the check and with it switched off, and how many identifiers it found:

    .venv/bin/python bench/kept_identifiers.py --rows 20000
"""

from __future__ import annotations

import argparse
import random
import time

from terbuka.privacy import Redactor, TextScanner, load_policy

POLICY = {
    "default": "scan",
    "columns": {
        "*.ocid": "keep",
        "*.release_id": "keep",
        "*.date": "keep",
        "*.source": "keep",
        "*.document_url": "keep",
        "*.party_id": {"role": "identifier"},
        "*.supplier_name": {"role": "organisation"},
        "*_amount": "keep",
    },
}


def rows(count: int, seed: int) -> list[dict]:
    """Release-like rows; about 1 % carry a NIK or phone number in a kept column."""
    rng = random.Random(seed)
    out = []
    for index in range(count):
        ocid = f"ocds-213czf-{rng.randint(10_000_000, 99_999_999)}"
        party = f"ID-LKPP-{rng.randint(100_000, 999_999)}"
        source = f"rekap-rup-{rng.randint(2019, 2026)}-{index % 50:02d}.json"
        url = f"https://lpse.contoh.go.id/eproc4/lelang/{rng.randint(1_000_000, 9_999_999)}/pengumuman"
        if index % 100 == 0:
            party = "3573014508900003"
            url = "https://wa.me/6281234567890"
        out.append(
            {
                "ocid": ocid,
                "release_id": f"{ocid}-{rng.choice(['tender', 'award', 'contract'])}",
                "date": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00+07:00",
                "source": source,
                "document_url": url,
                "party_id": party,
                "supplier_name": f"CV {rng.choice(['Maju', 'Jaya', 'Karya'])} {rng.choice(['Abadi', 'Mandiri', 'Sentosa'])}",
                "value_amount": rng.randint(10, 5000) * 1_000_000,
            }
        )
    return out


def run(count: int, seed: int, check: bool) -> tuple[float, int]:
    """Rows per second and identifiers found, over batches of 1,000 rows."""
    scanner = TextScanner()
    redactor = Redactor(load_policy(POLICY), scanner, b"bench")
    if not check:
        redactor._check_kept = lambda *args, **kwargs: None  # type: ignore[method-assign]
    data = rows(count, seed)
    start = time.perf_counter()
    for offset in range(0, count, 1000):
        redactor.rows("releases", data[offset : offset + 1000])
    elapsed = time.perf_counter() - start
    return count / elapsed, sum(redactor.report.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    TextScanner()  # build the analyzer once before timing
    off, _ = run(args.rows, args.seed, check=False)
    on, found = run(args.rows, args.seed, check=True)
    print(f"{args.rows} rows, 8 kept columns")
    print(f"identifier check off: {off:,.0f} rows/s")
    print(f"identifier check on:  {on:,.0f} rows/s ({on / off:.2f}x), {found} identifiers replaced")


if __name__ == "__main__":
    main()
