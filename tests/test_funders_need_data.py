"""Funders and officers import need data: the Indices of Deprivation with an LSOA lookup, and
plain indicator files. A bad file is refused with its line and column, and nothing is stored."""

from __future__ import annotations

import csv
import io
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models import AuditEvent, NeedIndicator, Neighbourhood

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "funders"
SHEFFIELD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sheffield"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def upload(name: str, content: bytes | None = None) -> tuple[io.BytesIO, str]:
    data = content if content is not None else (FIXTURES / name).read_bytes()
    return io.BytesIO(data), name


def import_iod(forms, iod=None, lookup=None, **extra):
    data = {
        "year": "2025",
        "source": "MHCLG IoD2025 File 7, test extract",
        "deprivation_file": iod or upload("iod2025_file7.csv"),
        "lookup_file": lookup or upload("lsoa_to_ward.csv"),
        **extra,
    }
    return forms.post(
        "/funding/need-data/deprivation", data, page="/funding/need-data", follow_redirects=True
    )


def import_indicators(forms, file=None, **extra):
    data = {
        "year": "2024",
        "source": "Local survey 2024",
        "indicator_file": file or upload("indicators.csv"),
        "direction": "higher",
        "kind": "rate",
        **extra,
    }
    return forms.post(
        "/funding/need-data/indicators", data, page="/funding/need-data", follow_redirects=True
    )


def stored() -> dict[tuple[str, str, int], float]:
    return {
        (i.neighbourhood.code, i.indicator, i.year): i.value
        for i in db.session.scalars(select(NeedIndicator))
    }


def indicator_count() -> int:
    return db.session.scalar(select(func.count()).select_from(NeedIndicator))


@pytest.fixture()
def funder(create_user, sign_in):
    user = create_user("funder")
    sign_in(user)
    return user


def test_deprivation_file_is_averaged_to_wards_by_population(funder, forms, neighbourhoods):
    response = import_iod(forms)
    assert response.status_code == 200, text(response)
    values = stored()
    # Hillside: LSOAs of 1,000 residents (IMD 40) and 3,000 (IMD 20) -> 25.
    assert values[("E05000001", "imd_score", 2025)] == pytest.approx(25.0)
    assert values[("E05000002", "imd_score", 2025)] == pytest.approx(20.0)
    assert values[("E05000003", "imd_score", 2025)] == pytest.approx(40.0)
    assert values[("E05000003", "income_score", 2025)] == pytest.approx(0.3125)
    assert values[("E05000002", "health_score", 2025)] == pytest.approx(-0.25)
    # Residents in England's most deprived 10%: 1,500 of Parkwood's 2,000.
    assert values[("E05000003", "most_deprived_decile_share", 2025)] == pytest.approx(0.75)
    source = db.session.scalar(select(NeedIndicator.source).limit(1))
    assert source == "MHCLG IoD2025 File 7, test extract"
    page = text(response)
    assert "Imported 6 indicators for 3 neighbourhoods (2025)" in page
    # People in need: the income rate times the IoD's own total population (no numerators in
    # this extract): Parkwood 0.3125 of 2,000 residents.
    assert values[("E05000003", "income_deprived_people", 2025)] == pytest.approx(625)
    # The residents the file weights by, stored under their own year and named.
    assert values[("E05000003", "population", 2022)] == pytest.approx(2000)
    assert "Residents stored with it: ONS mid-2022 population estimate, 2022" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "need.import_iod"))
    assert event.actor_id == funder.id


def test_a_second_import_replaces_figures_of_the_same_year(funder, forms, neighbourhoods):
    import_iod(forms)
    before = indicator_count()
    content = (FIXTURES / "iod2025_file7.csv").read_text().replace(",40.0,", ",60.0,")
    response = import_iod(forms, iod=upload("iod2025_file7.csv", content.encode()))
    assert response.status_code == 200
    assert indicator_count() == before
    # Hillside: (1,000 x 60 + 3,000 x 20) / 4,000 = 30.
    assert stored()[("E05000001", "imd_score", 2025)] == pytest.approx(30.0)


def replace_cell(name: str, line: int, column: int, value: str) -> bytes:
    rows = list(csv.reader(io.StringIO((FIXTURES / name).read_text())))
    rows[line - 1][column] = value
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


@pytest.mark.parametrize(
    ("field", "content", "message"),
    [
        (
            "deprivation_file",
            replace_cell("iod2025_file7.csv", 4, 4, "n/a"),
            "iod2025_file7.csv, line 4, column 'Index of Multiple Deprivation (IMD) Score': "
            "'n/a' is not a number",
        ),
        (
            "deprivation_file",
            replace_cell("iod2025_file7.csv", 5, 0, "E01000001"),
            "line 5, column 'LSOA code (2021)': LSOA E01000001 already appeared on line 2",
        ),
        (
            "deprivation_file",
            replace_cell("iod2025_file7.csv", 1, 0, "Area"),
            "no LSOA code column",
        ),
        (
            "deprivation_file",
            replace_cell("iod2025_file7.csv", 3, 5, "99999"),
            "rank 99999 is larger than the number of areas (33,755)",
        ),
        ("deprivation_file", b"", "The file is empty"),
        ("deprivation_file", b"\xff\xfe\x00binary", "not UTF-8"),
        (
            "lookup_file",
            replace_cell("lsoa_to_ward.csv", 1, 2, "Ward"),
            "no neighbourhood column",
        ),
        (
            "lookup_file",
            b"LSOA21CD,WD24CD\nE01000001,E05099998\n",
            "none of its wards is a neighbourhood of this platform",
        ),
        (
            "lookup_file",
            b"LSOA21CD,WD24CD\nE01000001,E05000001\nE01009999,E05000002\n",
            "LSOA E01009999 of the lookup is not in the deprivation file",
        ),
    ],
)
def test_a_bad_file_is_refused_next_to_its_field_and_nothing_is_stored(
    funder, forms, neighbourhoods, field, content, message
):
    name = "iod2025_file7.csv" if field == "deprivation_file" else "lsoa_to_ward.csv"
    files = {field: upload(name, content)}
    response = import_iod(forms, iod=files.get("deprivation_file"), lookup=files.get("lookup_file"))
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert f'id="{field}-error"' in page
    assert "Nothing was imported" in page or "Choose" in page
    assert indicator_count() == 0
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("need.%")))


def test_a_file_that_is_too_large_is_refused(funder, forms, neighbourhoods, monkeypatch):
    from pbapp.services.funding import need as funding_need

    monkeypatch.setattr(funding_need, "LOOKUP_MAX_BYTES", 100)
    response = import_iod(forms)
    assert response.status_code == 422
    assert "files of up to" in text(response)
    assert indicator_count() == 0


def test_missing_file_is_asked_for(funder, forms, neighbourhoods):
    response = forms.post(
        "/funding/need-data/deprivation",
        {"year": "2025", "source": "x", "lookup_file": upload("lsoa_to_ward.csv")},
        page="/funding/need-data",
    )
    assert response.status_code == 422
    assert "Choose a CSV file to upload" in text(response)


def test_indicator_file_is_stored_with_its_year_and_source(funder, forms, neighbourhoods):
    response = import_indicators(forms)
    assert response.status_code == 200, text(response)
    values = stored()
    assert values[("E05000001", "child_poverty_rate", 2024)] == pytest.approx(0.30)
    assert values[("E05000003", "loneliness_rate", 2024)] == pytest.approx(0.09)
    assert set(db.session.scalars(select(NeedIndicator.source))) == {"Local survey 2024"}
    assert "Child poverty rate" in text(response)  # listed among the stored indicators


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"neighbourhood code,indicator,value\nE05000001,x_rate,0.1\nE05999999,x_rate,0.2\n",
            "line 3, column 'neighbourhood code': E05999999 is not a neighbourhood",
        ),
        (
            b"neighbourhood code,indicator,value\nE05000001,x_rate,lots\n",
            "line 2, column 'value': 'lots' is not a number",
        ),
        (
            b"neighbourhood code,indicator,value\nE05000001,x_rate,1\nE05000001,x_rate,2\n",
            "line 3, column 'indicator': x_rate of E05000001 already appeared on line 2",
        ),
        (b"code,value\nE05000001,1\n", "no 'indicator' column"),
        (b"neighbourhood code,indicator,value\n", "the file has a header but no values"),
        (
            b"neighbourhood code,indicator,value\nE05000001,Child Poverty!,1\n",
            "is not a usable name",
        ),
    ],
)
def test_a_bad_indicator_file_is_refused_and_nothing_is_stored(
    funder, forms, neighbourhoods, content, message
):
    response = import_indicators(forms, upload("bad.csv", content))
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert 'id="indicator_file-error"' in page
    assert indicator_count() == 0


def test_indicator_import_needs_a_year(funder, forms, neighbourhoods):
    response = import_indicators(forms, year="next year")
    assert response.status_code == 422
    assert "Enter a whole number" in text(response)
    assert indicator_count() == 0


def test_officers_may_import_and_residents_may_not(
    client, forms, create_user, sign_in, neighbourhoods
):
    sign_in(create_user("officer"))
    assert import_indicators(forms).status_code == 200
    client.post("/account/sign-out", data={"csrf_token": forms.token("/account/")})
    sign_in(create_user("resident"))
    assert client.get("/funding/need-data").status_code == 403


@pytest.mark.skipif(
    not (SHEFFIELD / "sheffield_lsoa_imd2025.csv").exists(),
    reason="the Sheffield reference data (../shared/data/sheffield) is not present",
)
def test_real_sheffield_files_reproduce_the_published_ward_scores(funder, forms):
    summary = list(
        csv.DictReader(io.StringIO((SHEFFIELD / "sheffield_ward_summary.csv").read_text()))
    )
    code_column, name_column, population_column = "ward_code", "ward_name", "pop_census2021"
    db.session.add_all(
        Neighbourhood(
            code=row[code_column],
            name=row[name_column],
            population=int(float(row[population_column])),
        )
        for row in summary
    )
    db.session.commit()
    response = import_iod(
        forms,
        iod=upload(
            "sheffield_lsoa_imd2025.csv", (SHEFFIELD / "sheffield_lsoa_imd2025.csv").read_bytes()
        ),
        lookup=upload(
            "lookup.csv", (SHEFFIELD / "sheffield_lsoa21_to_ward24_lookup.csv").read_bytes()
        ),
    )
    assert response.status_code == 200, text(response)[:2000]
    values = stored()
    score_column = "imd2025_pop_wtd_avg_score"
    for row in summary:
        assert values[(row[code_column], "imd_score", 2025)] == pytest.approx(
            float(row[score_column]), abs=0.001
        )


def test_two_imports_at_the_same_moment_are_refused_plainly(funder, forms, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from pbapp.services.funding import need as funding_need

    def clash(*args, **kwargs):
        raise IntegrityError("INSERT INTO need_indicator", {}, Exception("unique"))

    monkeypatch.setattr(funding_need, "import_indicators", clash)
    response = import_indicators(forms)
    assert response.status_code == 422
    assert "Someone else imported figures for the same year at the same moment" in text(response)


def test_a_2019_file_imported_as_the_2025_edition_is_refused(funder, forms, neighbourhoods):
    content = (
        b"lsoa11_code,imd_rank,income_rank,pop_total_mid2015\n"
        b"E01000001,1200,900,1000\nE01000002,14000,15000,3000\n"
    )
    response = import_iod(forms, iod=upload("iod2019.csv", content))
    assert response.status_code == 422
    page = text(response)
    assert "is on 2011 LSOAs, so it is the 2019 edition, not 2025" in page
    assert "IoD2025 measures income after housing costs" in page
    assert indicator_count() == 0


def test_an_indicator_must_say_which_way_it_points(funder, forms, neighbourhoods):
    response = import_indicators(forms, direction="")
    assert response.status_code == 422
    assert "Say which way the figures point" in text(response)
    assert indicator_count() == 0


def test_an_indicator_cannot_change_direction_between_imports(funder, forms, neighbourhoods):
    assert import_indicators(forms).status_code == 200
    before = indicator_count()
    response = import_indicators(forms, year="2025", direction="lower")
    assert response.status_code == 422
    assert "is already stored as 'a higher value means more need'" in text(response)
    assert indicator_count() == before


def test_a_need_multiplier_names_its_indicator_year_average_and_alpha():
    from decimal import Decimal

    from pbapp.services.funding.need import multiplier_source

    source = multiplier_source("imd_score", 2025, Decimal("0.50"), average="neighbourhoods")
    assert source.words == (
        "Need multiplier = (Index of Multiple Deprivation score 2025 ÷ the plain average of the "
        "neighbourhoods) to the power α = 0.5"
    )
    assert (
        multiplier_source("income_deprived_people", 2025, 1.0)
        .to_dict()["words"]
        .endswith("each neighbourhood counted by its residents) to the power α = 1")
    )
    with pytest.raises(ValueError):
        multiplier_source("imd_score", 2025, 1, average="median")


@pytest.mark.skipif(
    not (SHEFFIELD / "sheffield_lsoa_imd2019.csv").exists(),
    reason="the Sheffield reference data (../shared/data/sheffield) is not present",
)
def test_the_shared_2019_file_imports_with_its_imd_score_recomputed_from_ranks(funder, forms):
    summary = list(
        csv.DictReader(io.StringIO((SHEFFIELD / "sheffield_ward_summary.csv").read_text()))
    )
    db.session.add_all(
        Neighbourhood(code=r["ward_code"], name=r["ward_name"], population=1) for r in summary
    )
    db.session.commit()
    response = import_iod(
        forms,
        year="2019",
        iod=upload(
            "sheffield_lsoa_imd2019.csv", (SHEFFIELD / "sheffield_lsoa_imd2019.csv").read_bytes()
        ),
        lookup=upload(
            "lookup11.csv", (SHEFFIELD / "sheffield_lsoa11_to_ward_lookup.csv").read_bytes()
        ),
    )
    assert response.status_code == 200, text(response)[:2000]
    values = stored()
    for row in summary:
        # The file has only ranks and _exp columns: the IMD score is recomputed from the seven
        # domain ranks (weighted here by the mid-2020 residents the file's population column
        # holds; the summary weights by mid-2015, hence the tolerance).
        assert values[(row["ward_code"], "imd_score", 2019)] == pytest.approx(
            float(row["imd2019_pop_wtd_avg_score"]), abs=1.0
        )
        assert values[(row["ward_code"], "income_deprived_people", 2019)] == float(
            row["income_deprived_people_2019"]
        )
        assert (row["ward_code"], "population", 2020) in values
    source = db.session.scalar(
        select(NeedIndicator.source).where(NeedIndicator.indicator == "imd_score")
    )
    assert source.endswith("(IMD score recomputed from the domain ranks)")
    assert "ONS mid-2020 population estimate, 2020" in text(response)
