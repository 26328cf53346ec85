"""Run cards: built-in cards, schema checks with named keys, overrides."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from darkstrahl.errors import ParameterError
from darkstrahl.runcard import (
    SCHEMA,
    CardError,
    build,
    builtin_cards,
    explain,
    load_card,
    parse_override,
    validate,
)


def test_builtin_cards_are_package_data() -> None:
    # found through importlib.resources, so they work after a non-editable install
    names = builtin_cards()
    assert {"b1", "b2", "b3"} <= set(names)
    assert resources.files("darkstrahl.cards").joinpath("b1.toml").is_file()


@pytest.mark.parametrize(("name", "bench"), [("b1", "B1"), ("B2", "B2"), ("b3.toml", "B3")])
def test_builtin_card_models(name: str, bench: str) -> None:
    card = load_card(name)
    model = build.model(card)
    assert model.benchmark == bench and model.m_Ap == 6.0
    assert build.sqrt_s(card) == pytest.approx(10.5739, abs=1e-4)  # the SuperKEKB beams


def test_card_from_path(tmp_path: Path) -> None:
    path = tmp_path / "my.toml"
    path.write_text("[model]\nm_Ap = 3\nm_chi = 1.0\nm_phi = 0.5\neps = 2e-4\n")
    card = load_card(path)
    model = build.model(card)
    assert (model.m_Ap, model.m_chi, model.m_phi, model.eps) == (3.0, 1.0, 0.5, 2e-4)
    assert card["model"]["g_chi"] == 1.0  # default filled


def test_unknown_key_names_closest(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[model]\nbenchmark = "B1"\nm_Ap = 3.0\nepsilon = 1e-3\n')
    with pytest.raises(CardError, match=r"unknown key model\.epsilon \(did you mean 'eps'\?\)"):
        load_card(path)
    with pytest.raises(CardError, match=r"unknown card section \[modle\] \(did you mean 'model'\?\)"):
        validate({"modle": {"m_Ap": 3.0}})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"model": {"m_Ap": "3"}}, r"model\.m_Ap: expected a number, got str"),
        ({"model": {"m_Ap": True}}, r"model\.m_Ap: expected a number, got bool"),
        ({"run": {"seed": 1.5}}, r"run\.seed: expected an integer"),
        ({"model": {"general": 1}}, r"model\.general: expected bool"),
        ({"model": {"benchmark": "B9"}}, r"model\.benchmark: must be one of"),
        ({"model": {"eps": -1e-3}}, r"model\.eps: must be finite and > 0"),
        ({"run": {"sqrt_s": 0.0}}, r"run\.sqrt_s: must be finite and > 0"),
        ({"run": {"n_events": 0}}, r"run\.n_events: must be > 0"),
        ({"process": {"name": "zh"}}, r"process\.name: must be one of"),
        ({"model": 3}, r"\[model\] must be a table"),
    ],
)
def test_wrong_types_and_values_name_the_key(raw: dict, message: str) -> None:
    with pytest.raises(CardError, match=message):
        validate(raw)


def test_model_section_rules() -> None:
    with pytest.raises(ParameterError, match=r"model\.m_Ap: must be set"):
        build.model(validate({"model": {"benchmark": "B1"}}))
    with pytest.raises(ParameterError, match=r"model\.m_chi: must not be set together with model\.benchmark"):
        build.model(validate({"model": {"benchmark": "B1", "m_Ap": 6.0, "m_chi": 1.0}}))
    with pytest.raises(ParameterError, match=r"model\.m_phi: must be set when model\.benchmark is not"):
        build.model(validate({"model": {"m_Ap": 6.0, "m_chi": 1.0}}))


def test_overrides() -> None:
    assert parse_override("model.m_Ap=3.0") == ("model", "m_Ap", 3.0)
    assert parse_override("model.benchmark=B2") == ("model", "benchmark", "B2")
    assert parse_override('model.benchmark="B3"') == ("model", "benchmark", "B3")
    assert parse_override("model.general=true") == ("model", "general", True)
    card = load_card("b1", ["model.m_Ap=3.0", "model.benchmark=B2", "model.theta=1e-3"])
    model = build.model(card)
    assert (model.benchmark, model.m_Ap, model.m_chi, model.theta) == ("B2", 3.0, 0.75, 1e-3)
    assert card.overrides == ("model.m_Ap=3.0", "model.benchmark=B2", "model.theta=1e-3")
    for bad, msg in (
        ("model.m_Ap", "expected section.key=value"),
        ("m_Ap=3", "one dot"),
        ("model.mAp=3", r"did you mean 'm_Ap'"),
        ("model.m_Ap=fast", "expected a number"),
    ):
        with pytest.raises(CardError, match=msg):
            load_card("b1", [bad])


def test_unknown_card_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(CardError, match="neither a file nor a built-in card"):
        load_card("b7")
    path = tmp_path / "broken.toml"
    path.write_text("[model\nm_Ap = 3")
    with pytest.raises(CardError, match="not valid TOML"):
        load_card(path)


def test_explain_documents_every_key() -> None:
    text = explain()
    for section, keys in SCHEMA.items():
        assert f"[{section}]" in text
        for name in keys:
            assert f"  {name} (" in text


def test_every_builtin_card_is_valid() -> None:
    for name in builtin_cards():
        card = load_card(name)
        if card["analysis"]["kind"] == "idm":  # iDM analysis card: no DarkModel; its scan settings
            from darkstrahl.analysis.idm_run import settings_from_card

            assert settings_from_card(card).labels()
            continue
        if card["model"]["m_Ap"] is not None:  # the SM background cards (bkg_mumu, ...) have no dark model
            build.model(card)
        build.process(card)
        build.run_settings(card)
        build.detector(card)
        if name == "reference_study":
            assert len(build.scan_keys(card)) == 144
            assert build.model(card).q_Phi == 2.0 and build.sqrt_s(card) == 10.58
    assert load_card("basf2")["output"]["frame"] == "cm"


def test_list_keys_and_output_section() -> None:
    with pytest.raises(CardError, match=r"analysis\.n_b\[1\]: expected a number"):
        validate({"analysis": {"n_b": [1.0, "many"]}})
    with pytest.raises(CardError, match=r"analysis\.benchmarks\[0\]: must be one of"):
        validate({"analysis": {"benchmarks": ["B7"]}})
    with pytest.raises(CardError, match=r"analysis\.n_b: every N_b must be > 0"):
        validate({"analysis": {"n_b": [1.0, -2.0]}})
    with pytest.raises(CardError, match=r"output\.format: must be one of"):
        validate({"output": {"format": "root"}})
    with pytest.raises(CardError, match=r"analysis\.luminosity: must be finite and > 0"):
        validate({"analysis": {"luminosity": -10.0}})
