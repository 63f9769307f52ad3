"""Need in people, editions, indicator direction and the gradient in one number (issue 23)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from allocation.needs import (
    IOD2019_AREAS,
    NHS_PRACTICE_SPREAD,
    NeedDataError,
    Neighbourhood,
    need_from,
    needs_weighted_shares,
    neighbourhood_need,
    per_head_spread,
    read_deprivation_file,
    read_lsoa_lookup,
)


def sheffield_wards_2025(sheffield):
    lsoas = read_deprivation_file(sheffield / "sheffield_lsoa_imd2025.csv")
    return neighbourhood_need(
        lsoas, read_lsoa_lookup(sheffield / "sheffield_lsoa21_to_ward24_lookup.csv")
    )


def test_income_deprived_people_are_summed_from_the_numerators(sheffield):
    wards = sheffield_wards_2025(sheffield)
    with open(sheffield / "sheffield_ward_summary.csv", encoding="utf-8") as handle:
        published = {r["ward_code"]: r for r in csv.DictReader(handle)}
    for ward in wards:
        assert ward.people["income"] == float(published[ward.code]["income_deprived_people_2025"])
    burngreave = next(w for w in wards if w.name == "Burngreave")
    assert burngreave.people == {
        "income": 16415.0,
        "employment": 5255.0,
        "idaci": 5665.0,
        "idaopi": 1725.0,
    }
    # The 2025 file has no IoD denominators (only the Census 2021 count): no rates are made
    # up by dividing mid-2022 based counts by a census population.
    assert burngreave.rates == {}


def test_the_2019_file_gets_its_imd_score_from_ranks_and_rates_from_own_denominators(sheffield):
    lsoas = read_deprivation_file(sheffield / "sheffield_lsoa_imd2019.csv", areas=IOD2019_AREAS)
    assert lsoas[0].boundaries == 2011 and lsoas[0].recomputed == ("imd",)
    # The file's own reconstruction of the IMD 2019 score (docs/needs.md: within 0.01).
    with open(sheffield / "sheffield_lsoa_imd2019.csv", encoding="utf-8") as handle:
        rows = {r["lsoa11_code"]: r for r in csv.DictReader(handle)}
    for lsoa in lsoas:
        assert lsoa.scores["imd"] == pytest.approx(
            float(rows[lsoa.code]["imd_score_reconstructed"]), abs=0.01
        )
    wards = neighbourhood_need(
        lsoas, read_lsoa_lookup(sheffield / "sheffield_lsoa11_to_ward_lookup.csv")
    )
    burngreave = next(w for w in wards if w.name == "Burngreave")
    # IDACI over children aged 0-15 and IDAOPI over people aged 60+ (mid-2015), not all ages.
    assert burngreave.rates["idaci"] == pytest.approx(
        burngreave.people["idaci"] / burngreave.denominators["children"]
    )
    assert burngreave.denominators["children"] < burngreave.denominators["total"] / 2
    assert burngreave.rates["income"] == pytest.approx(8600 / burngreave.denominators["total"])


def test_2025_files_say_they_are_on_2021_lsoas(sheffield):
    assert read_deprivation_file(sheffield / "sheffield_lsoa_imd2025.csv")[0].boundaries == 2021


def test_a_negative_count_of_people_is_refused(tmp_path):
    path = tmp_path / "iod.csv"
    path.write_text(
        "lsoa21_code,income_rank,income_numerator,pop_census2021_usual_residents\n"
        "E01000001,5,-3,1500\n",
        encoding="utf-8",
    )
    with pytest.raises(NeedDataError) as info:
        read_deprivation_file(path)
    assert (info.value.row, info.value.column) == (2, "income_numerator")


def test_counts_per_head_spread_like_the_imd_but_the_decile_share_is_a_cliff(sheffield):
    # Issue 23: at u = 0.5, α = 1 the ward max/min per head is about 2.8 either way; the share
    # in England's most deprived 10% stretches it to 4.8 (11 wards score 0).
    wards = sheffield_wards_2025(sheffield)

    def spread(needs):
        result = needs_weighted_shares(
            [Neighbourhood(w.code, w.population, n) for w, n in zip(wards, needs, strict=True)],
            1_150_000,
            universal=0.5,
            alpha=1.0,
        )
        return per_head_spread(
            [line.amount for line in result.lines], [line.population for line in result.lines]
        ).highest_to_lowest

    assert spread([w.scores["imd"] for w in wards]) == pytest.approx(2.80, abs=0.01)
    assert spread([w.people["income"] / w.population for w in wards]) == pytest.approx(
        2.87, abs=0.01
    )
    assert sum(w.share_most_deprived_decile == 0 for w in wards) == 11
    # docs/needs.md: those 11 wards hold 26,730 income-deprived people, 17% of the city's.
    at_zero = sum(w.people["income"] for w in wards if w.share_most_deprived_decile == 0)
    assert at_zero == 26_730
    assert at_zero / sum(w.people["income"] for w in wards) == pytest.approx(0.17, abs=0.005)
    assert spread([w.share_most_deprived_decile for w in wards]) == pytest.approx(4.81, abs=0.01)


def test_lower_is_more_need_is_turned_into_years_below_the_best():
    life = {"a": 84.0, "b": 78.2, "c": 80.0}
    assert need_from(life, "lower") == pytest.approx({"a": 0.0, "b": 5.8, "c": 4.0})
    assert need_from(life, "higher") == life
    with pytest.raises(NeedDataError) as info:
        need_from(life, "up")
    assert info.value.column == "direction"


def test_spread_by_hand():
    spread = per_head_spread([100, 300, 200], [10, 10, 40])  # 10, 30 and 5 a head
    assert (spread.highest, spread.lowest, spread.highest_to_lowest) == (30, 5, 6)
    assert per_head_spread([0, 10], [1, 1]).highest_to_lowest is None


def test_the_nhs_yardstick_is_what_the_shared_file_says(sheffield):
    with open(
        sheffield / "sheffield_gp_practice_nhs_weighted_populations_2024_25.csv", encoding="utf-8"
    ) as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 76
    per_head = np.array([float(r["Final WP"]) / float(r["pop 2022/23"]) for r in rows])
    p10, p90 = np.percentile(per_head, [10, 90])
    assert round(p90 / p10, 2) == NHS_PRACTICE_SPREAD
