"""The shipped catalogue is complete and cited; a bad catalogue is a clear error at start-up."""
import copy

import pytest
import yaml

from core.config import ConfigError
from pharmacy import catalogue

SHIPPED = yaml.safe_load(catalogue.DATA.read_text(encoding="utf-8"))


def test_every_shipped_medicine_has_its_class_limits_and_a_citation():
    entries = catalogue.medications()
    assert len(entries) == len(SHIPPED["medications"])
    for entry in entries:
        assert entry["code"].startswith(entry["therapeutic_class"]), entry["code"]
        assert entry["citation"]["source"] and entry["citation"]["url"].startswith("https://"), entry["code"]
        if not entry["restricted"]:  # everything prescribable online has a checked maximum
            assert entry["max_daily_dose"]["value"] > 0, entry["code"]
    assert catalogue.lookup("C03AA03")["allergy_classes"] == ["thiazides", "sulfonamides"]
    assert catalogue.class_citation()["url"].startswith("https://atcddd.fhi.no")


def _broken(change):
    data = copy.deepcopy(SHIPPED)
    change(data)
    return data


@pytest.mark.parametrize("change, message", [
    (lambda d: d["medications"][0].pop("citation"), "C08CA01: missing citation"),
    (lambda d: d["medications"][0].update(citation={"source": "a label"}), "C08CA01: a citation needs"),
    (lambda d: d["medications"][0].update(therapeutic_class="C09CA"), "C08CA01: therapeutic_class"),
    (lambda d: d["medications"][0].update(max_daily_dose={"value": -1, "unit": "mg"}), "C08CA01: max_daily_dose"),
    (lambda d: d["medications"][0].update(max_daily_dose={"value": 10, "unit": "tablets"}), "max_daily_dose"),
    (lambda d: d["medications"][0].update(min_age_years=12, max_age_years=6), "min_age_years is above"),
    (lambda d: d["medications"][0].update(min_age_years="six"), "min_age_years must be whole years"),
    (lambda d: d["medications"][0].update(allergy_classes=["penicillins"]), "unknown allergy class"),
    (lambda d: d["medications"][0].update(restricted="secret"), "unknown restricted class"),
    (lambda d: d["medications"][0].update(max_dose=10), "unknown max_dose"),
    (lambda d: d["medications"].append(dict(d["medications"][0])), "C08CA01: listed twice"),
    (lambda d: d.pop("class_source"), "no class_source"),
])
def test_a_bad_catalogue_names_the_entry_and_the_field(change, message):
    with pytest.raises(catalogue.CatalogueError, match=message):
        catalogue.parse(_broken(change))


def test_a_bad_catalogue_file_stops_the_start(make_app, monkeypatch, tmp_path):
    bad = tmp_path / "catalogue.yaml"
    bad.write_text(yaml.safe_dump(_broken(lambda d: d["medications"][1].pop("therapeutic_class")),
                                  allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(catalogue, "DATA", bad)
    try:
        with pytest.raises(ConfigError, match=r"pharmacy catalogue .*catalogue.yaml: medication C08CA05: missing "
                                              r"therapeutic_class"):
            make_app()
        bad.write_text("medications: [", encoding="utf-8")
        with pytest.raises(ConfigError, match="pharmacy catalogue"):
            make_app()
    finally:
        monkeypatch.undo()
        catalogue.check()  # the shipped file again for the tests that follow
