"""Importing IoD files, lookups and indicator files; aggregation to neighbourhoods."""

from __future__ import annotations

import csv

import pytest

from allocation.needs import (
    IOD2019_AREAS,
    NeedDataError,
    indicator_table,
    lsoa_need_index,
    neighbourhood_need,
    read_deprivation_file,
    read_indicator_file,
    read_lsoa_lookup,
)
from allocation.needs import cli as needs_cli

from .conftest import run_command

FILE7_HEADER = [
    "LSOA code (2021)",
    "LSOA name (2021)",
    "Local Authority District code (2024)",
    "Local Authority District name (2024)",
    "Index of Multiple Deprivation (IMD) Score",
    "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
    "Income Score (rate)",
    "Income Rank (where 1 is most deprived)",
    "Income Decile (where 1 is most deprived 10% of LSOAs)",
    "Health Deprivation and Disability Score",
    "Health Deprivation and Disability Rank (where 1 is most deprived)",
    "Health Deprivation and Disability Decile (where 1 is most deprived 10% of LSOAs)",
    "Total population: mid 2022 (excluding prisoners)",
]


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_rows(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def read_dicts(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def file7(tmp_path):
    return write_csv(
        tmp_path / "file7.csv",
        FILE7_HEADER,
        [
            [
                "E01000001",
                "City 001A",
                "E09000001",
                "City",
                "40.5",
                "100",
                "1",
                "0.30",
                "50",
                "1",
                "1.2",
                "10",
                "1",
                "1000",
            ],
            [
                "E01000002",
                "City 001B",
                "E09000001",
                "City",
                "10.0",
                "30000",
                "9",
                "0.05",
                "31000",
                "10",
                "-1.0",
                "30000",
                "9",
                "3000",
            ],
        ],
    )


@pytest.fixture
def lookup(tmp_path):
    return write_csv(
        tmp_path / "lookup.csv",
        ["LSOA21CD", "LSOA21NM", "WD24CD", "WD24NM"],
        [
            ["E01000001", "City 001A", "E05000001", "Riverside"],
            ["E01000002", "City 001B", "E05000001", "Riverside"],
        ],
    )


def test_the_official_file_7_layout_is_recognised(file7):
    first, second = read_deprivation_file(file7)
    assert first.code == "E01000001" and first.name == "City 001A"
    assert first.population == 1000
    assert first.scores == {"imd": 40.5, "income": 0.30, "health": 1.2}
    assert first.ranks == {"imd": 100, "income": 50, "health": 10}
    assert second.deciles == {"imd": 9, "income": 10, "health": 9}


def test_a_file_saved_by_excel_with_a_byte_order_mark_reads_the_same(file7, tmp_path):
    marked = tmp_path / "bom.csv"
    marked.write_bytes(b"\xef\xbb\xbf" + file7.read_bytes())
    assert read_deprivation_file(marked) == read_deprivation_file(file7)


def test_neighbourhood_scores_are_population_weighted_averages(file7, lookup):
    (riverside,) = neighbourhood_need(read_deprivation_file(file7), read_lsoa_lookup(lookup))
    # (1000 · 40.5 + 3000 · 10.0) / 4000 = (40500 + 30000) / 4000 = 17.625
    assert riverside.scores["imd"] == pytest.approx(17.625)
    assert riverside.population == 4000 and riverside.lsoas == 2
    assert riverside.name == "Riverside"
    # Only the first LSOA (1000 of 4000 residents) is in IMD decile 1.
    assert riverside.share_most_deprived_decile == pytest.approx(0.25)


def test_lsoas_the_lookup_does_not_list_are_left_out(file7, tmp_path):
    lookup = write_csv(
        tmp_path / "one.csv", ["lsoa21_code", "ward24_code"], [["E01000002", "E05000009"]]
    )
    (only,) = neighbourhood_need(read_deprivation_file(file7), read_lsoa_lookup(lookup))
    assert only.code == "E05000009" and only.scores["imd"] == pytest.approx(10.0)


def test_an_lsoa_of_the_lookup_missing_from_the_file_is_refused(file7, tmp_path):
    lookup = write_csv(
        tmp_path / "l.csv",
        ["lsoa21_code", "ward24_code"],
        [["E01000001", "W1"], ["E01999999", "W1"]],
    )
    with pytest.raises(NeedDataError, match="E01999999") as info:
        neighbourhood_need(read_deprivation_file(file7), read_lsoa_lookup(lookup))
    assert info.value.row == 3


@pytest.mark.parametrize(
    "row, column, bad, message",
    [
        (1, 8, "high", "'high' is not a number"),
        (0, 5, "40000", "larger than the number of areas"),
        (1, 6, "11", "larger than"),
        (0, 9, "12.5", "not a whole number"),
        (1, 13, "-5", "cannot be negative"),
        (0, 0, "", "LSOA code is missing"),
    ],
)
def test_a_bad_cell_is_refused_naming_its_line_and_column(file7, row, column, bad, message):
    rows = read_rows(file7)
    rows[row + 1][column] = bad
    write_csv(file7, rows[0], rows[1:])
    with pytest.raises(NeedDataError, match=message) as info:
        read_deprivation_file(file7)
    assert info.value.row == row + 2
    assert info.value.column == FILE7_HEADER[column]
    assert f"line {row + 2}" in str(info.value) and FILE7_HEADER[column] in str(info.value)


def test_a_duplicated_lsoa_is_refused(file7):
    rows = read_rows(file7)
    write_csv(file7, rows[0], rows[1:] + [rows[1]])
    with pytest.raises(NeedDataError, match="already appeared on line 2") as info:
        read_deprivation_file(file7)
    assert info.value.row == 4


def test_a_file_without_lsoa_codes_or_domains_is_refused(tmp_path):
    with pytest.raises(NeedDataError, match="no LSOA code column"):
        read_deprivation_file(write_csv(tmp_path / "a.csv", ["code", "income_rank"], [["x", 1]]))
    with pytest.raises(NeedDataError, match="no deprivation domain columns"):
        read_deprivation_file(write_csv(tmp_path / "b.csv", ["lsoa21_code", "x"], [["E", 1]]))


def test_a_fault_in_the_last_row_returns_nothing(sheffield, tmp_path):
    rows = read_rows(sheffield / "sheffield_lsoa_imd2025.csv")
    column = rows[0].index("health_rank")
    rows[-1][column] = "n/a"
    bad = write_csv(tmp_path / "bad.csv", rows[0], rows[1:])
    with pytest.raises(NeedDataError) as info:
        read_deprivation_file(bad)
    assert (info.value.row, info.value.column) == (len(rows), "health_rank")


def test_sheffield_wards_match_the_published_ward_summary(sheffield):
    lsoas = read_deprivation_file(sheffield / "sheffield_lsoa_imd2025.csv")
    wards = neighbourhood_need(
        lsoas, read_lsoa_lookup(sheffield / "sheffield_lsoa21_to_ward24_lookup.csv")
    )
    summary = {r["ward_code"]: r for r in read_dicts(sheffield / "sheffield_ward_summary.csv")}
    assert len(wards) == 28 and {w.code for w in wards} == set(summary)
    for ward in wards:
        published = summary[ward.code]
        assert ward.population == float(published["pop_census2021"])
        assert ward.scores["imd"] == pytest.approx(
            float(published["imd2025_pop_wtd_avg_score"]), abs=0.001
        )
        assert ward.share_most_deprived_decile == pytest.approx(
            float(published["imd2025_share_pop_in_national_decile1"]), abs=0.001
        )
        assert ward.name == published["ward_name"]


def test_the_2019_file_reads_with_its_own_number_of_areas(sheffield):
    lsoas = read_deprivation_file(sheffield / "sheffield_lsoa_imd2019.csv", areas=IOD2019_AREAS)
    assert len(lsoas) == 345
    scores = lsoa_need_index(lsoas, areas=IOD2019_AREAS)
    published = {
        r["lsoa11_code"]: float(r["imd_score_reconstructed"])
        for r in read_dicts(sheffield / "sheffield_lsoa_imd2019.csv")
    }
    assert max(abs(scores[c] - published[c]) for c in scores) < 0.01


def test_a_lookup_listing_an_lsoa_twice_is_refused(tmp_path):
    path = write_csv(
        tmp_path / "l.csv",
        ["lsoa21_code", "ward24_code"],
        [["E1", "W1"], ["E2", "W1"], ["E1", "W2"]],
    )
    with pytest.raises(NeedDataError, match="already appeared on line 2") as info:
        read_lsoa_lookup(path)
    assert (info.value.row, info.value.column) == (4, "lsoa21_code")


def test_indicator_file_is_read_and_tabulated(tmp_path):
    path = write_csv(
        tmp_path / "i.csv",
        ["Neighbourhood code", "Indicator", "Value"],
        [
            ["W1", "life_expectancy", "78.5"],
            ["W2", "life_expectancy", "83"],
            ["W1", "child_poverty", "0.41"],
        ],
    )
    table = indicator_table(read_indicator_file(path))
    assert table == {"life_expectancy": {"W1": 78.5, "W2": 83.0}, "child_poverty": {"W1": 0.41}}


@pytest.mark.parametrize(
    "rows, line, column, message",
    [
        ([["W1", "x", "1"], ["W2", "x", "lots"]], 3, "value", "'lots' is not a number"),
        ([["W1", "x", "1"], ["W1", "x", "2"]], 3, "indicator", "already appeared on line 2"),
        ([["", "x", "1"]], 2, "neighbourhood_code", "missing"),
        ([["W1", "x", "inf"]], 2, "value", "not a finite number"),
    ],
)
def test_a_bad_indicator_file_is_refused(tmp_path, rows, line, column, message):
    path = write_csv(tmp_path / "i.csv", ["neighbourhood_code", "indicator", "value"], rows)
    with pytest.raises(NeedDataError, match=message) as info:
        read_indicator_file(path)
    assert (info.value.row, info.value.column) == (line, column)


def test_need_index_command_prints_the_imd_score(sheffield, capsys):
    columns = [
        "income_rank",
        "employment_rank",
        "education_rank",
        "health_rank",
        "crime_rank",
        "barriers_rank",
        "living_env_rank",
    ]
    status = run_command(
        needs_cli,
        [
            "need-index",
            str(sheffield / "sheffield_lsoa_imd2025.csv"),
            "--id-column",
            "lsoa21_code",
            "--rank-columns",
            ",".join(columns),
            "--weights",
            "0.225,0.225,0.135,0.135,0.093,0.093,0.093",
            "--areas",
            "33755",
        ],
    )
    assert status == 0
    printed = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    published = {
        r["lsoa21_code"]: float(r["imd_score"])
        for r in read_dicts(sheffield / "sheffield_lsoa_imd2025.csv")
    }
    assert list(printed[0]) == ["id", "score"] and len(printed) == 343
    assert max(abs(float(r["score"]) - published[r["id"]]) for r in printed) < 0.01


def test_need_index_command_refuses_a_bad_rank_with_exit_2(tmp_path, capsys):
    path = write_csv(tmp_path / "r.csv", ["id", "a", "b"], [["x", "1", "2"], ["y", "3", "0"]])
    status = run_command(
        needs_cli,
        [
            "need-index",
            str(path),
            "--id-column",
            "id",
            "--rank-columns",
            "a,b",
            "--weights",
            "0.5,0.5",
            "--areas",
            "10",
        ],
    )
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert "line 3" in err and "column 'b'" in err


def test_need_index_command_refuses_mismatched_weights(tmp_path, capsys):
    path = write_csv(tmp_path / "r.csv", ["id", "a", "b"], [["x", "1", "2"]])
    status = run_command(
        needs_cli,
        ["need-index", str(path), "--rank-columns", "a,b", "--weights", "1", "--areas", "10"],
    )
    assert status == 2 and "2 rank columns but 1 weights" in capsys.readouterr().err


def test_neighbourhood_need_command_prints_ward_scores(sheffield, capsys):
    status = run_command(
        needs_cli,
        [
            "neighbourhood-need",
            str(sheffield / "sheffield_lsoa_imd2025.csv"),
            str(sheffield / "sheffield_lsoa21_to_ward24_lookup.csv"),
            "--domains",
            "imd,income",
        ],
    )
    assert status == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert len(rows) == 28 and {"imd", "income", "population"} <= set(rows[0])
