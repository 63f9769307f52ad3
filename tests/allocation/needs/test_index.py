"""The IMD's exponential transform and need index, against hand arithmetic and real data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.needs import (
    IMD_WEIGHTS,
    IOD2025_AREAS,
    NeedDataError,
    exponential_transform,
    lsoa_need_index,
    need_index,
    read_deprivation_file,
)


def test_most_deprived_rank_transforms_to_100_and_least_to_nearly_0():
    # Rank 1 of N: R = N/N = 1, X = -23 ln(1 - (1 - e^(-100/23))) = -23 · (-100/23) = 100.
    # Rank N of N: R = 1/N, X = -23 ln(1 - (1 - e^(-100/23))/N) ≈ 23 · 0.987/N.
    x = exponential_transform([1, 1000], areas=1000)
    assert x[0] == pytest.approx(100.0, abs=1e-9)
    assert x[1] == pytest.approx(23 * (1 - math.exp(-100 / 23)) / 1000, rel=1e-3)


def test_middle_rank_of_two_areas_by_hand():
    # N = 2, rank 2: R = (2 - 2 + 1)/2 = 0.5;
    # X = -23 ln(1 - 0.5 (1 - e^(-4.3478))) = -23 ln(1 - 0.5 · 0.98706) = -23 ln(0.50647)
    #   = 15.647 (to 3 decimals).
    assert exponential_transform([2], areas=2)[0] == pytest.approx(15.647, abs=1e-3)


@given(st.integers(min_value=2, max_value=40_000), st.data())
@settings(deadline=None)  # a shared CI machine can be slow; no timing here
def test_transform_falls_as_rank_rises(areas, data):
    a = data.draw(st.integers(min_value=1, max_value=areas - 1))
    b = data.draw(st.integers(min_value=a + 1, max_value=areas))
    xa, xb = exponential_transform([a, b], areas=areas)
    assert 0 < xb < xa <= 100


def test_need_index_is_the_weighted_sum_of_transforms():
    ranks = {"income": [1, 2], "health": [2, 1]}
    x1, x2 = exponential_transform([1, 2], areas=2)
    scores = need_index(ranks, {"income": 0.75, "health": 0.25}, areas=2)
    assert scores[0] == pytest.approx(0.75 * x1 + 0.25 * x2)
    assert scores[1] == pytest.approx(0.75 * x2 + 0.25 * x1)


@pytest.mark.parametrize(
    "ranks, message",
    [
        ([0], "whole number from 1"),
        ([5], "whole number from 1"),
        ([1.5], "whole number from 1"),
    ],
)
def test_out_of_range_ranks_are_refused(ranks, message):
    with pytest.raises(NeedDataError, match=message):
        need_index({"income": ranks}, {"income": 1.0}, areas=4)


def test_a_weighted_domain_without_ranks_is_refused():
    with pytest.raises(NeedDataError, match="no ranks for the domain 'crime'") as info:
        need_index({"income": [1]}, {"income": 0.5, "crime": 0.5}, areas=4)
    assert info.value.column == "crime"


def test_default_weights_reproduce_the_published_imd_2025_score_of_every_sheffield_lsoa(sheffield):
    lsoas = read_deprivation_file(sheffield / "sheffield_lsoa_imd2025.csv")
    assert len(lsoas) == 343
    ours = lsoa_need_index(lsoas, IMD_WEIGHTS, areas=IOD2025_AREAS)
    errors = np.array([abs(ours[lsoa.code] - lsoa.scores["imd"]) for lsoa in lsoas])
    # The published score has 3 decimals, so an exact method is within 0.0005 of it.
    assert errors.max() < 0.01
    assert errors.max() <= 0.0005 + 1e-9


def test_changing_one_weight_changes_the_index(sheffield):
    lsoas = read_deprivation_file(sheffield / "sheffield_lsoa_imd2025.csv")
    heavier = dict(IMD_WEIGHTS, health=0.5)
    imd, other = lsoa_need_index(lsoas), lsoa_need_index(lsoas, heavier)
    assert any(abs(imd[c] - other[c]) > 1 for c in imd)
