"""Figures for a published round's charts: awards by size band and by need."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from pbapp.services.core_funding.document import people_of
from pbapp.services.core_funding.settings import band_labels


def awards_by_band(rows: list[tuple[int, int]], bands: list[dict[str, Any]]) -> list[dict]:
    """Groups and pounds per year by size band, from (band index, amount) pairs."""
    labels = band_labels(bands)
    out = [{"label": label, "groups": 0, "pounds": 0} for label in labels]
    for band, amount in rows:
        out[band]["groups"] += 1
        out[band]["pounds"] += amount
    return out


def awards_by_need(document: dict[str, Any], amounts: dict[str, int]) -> list[dict]:
    """Pounds per year following the people groups reach, by neighbourhood, highest need first.

    A group's award is shared between the neighbourhoods it reaches in proportion to the people
    it reaches there; awards of groups that reach nobody are listed as 'Not tied to a place'.
    Figures are rounded to whole pounds for display.
    """
    names = document["about"]["neighbourhoods"]
    needs = {n["id"]: n["need"] for n in document["neighbourhoods"]}
    pounds: dict[str, float] = {code: 0.0 for code in needs}
    unplaced = 0
    for group in document["groups"]:
        amount = amounts.get(group["id"], 0)
        reach = sum(people_of(v) for v in group["reach"].values())
        if not reach:
            unplaced += amount
            continue
        for code, value in group["reach"].items():
            pounds[code] += amount * people_of(value) / reach
    rows = [
        {"code": code, "label": names[code]["name"], "need": needs[code], "pounds": round(v)}
        for code, v in pounds.items()
    ]
    rows.sort(key=lambda r: (-r["need"], r["label"]))
    if unplaced:
        rows.append(
            {"code": None, "label": _("Not tied to a place"), "need": None, "pounds": unplaced}
        )
    return rows
