"""The command line: info (text and JSON), cards, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from darkstrahl.cli import main


def test_info_json_round_trips(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "b1", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert set(info["model"]) >= {"m_Ap", "m_chi", "m_phi", "g_chi", "eps", "theta", "q_Phi", "q_chi"}
    assert set(info["widths_GeV"]) >= {"Ap_total", "Ap_chichi", "Ap_chichiphi", "Ap_SM", "phi_total"}
    assert set(info["br_phi"]) == {"ee", "mumu", "pipi", "KK", "other"}
    assert {"ctau_phi_mm", "sqrt_s_GeV", "sigma_nwa_fb"} <= set(info)
    # issue 2's reference point: B1, m_A' = 6 GeV, theta = 1e-4
    assert info["widths_GeV"]["Ap_chichi"] == pytest.approx(0.145, abs=5e-4)
    assert 10.0 < info["ctau_phi_mm"] < 100.0
    assert math.isclose(sum(info["br_phi"].values()), 1.0, rel_tol=1e-12)


def test_info_text_and_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "b2", "--set", "model.m_Ap=3.0"]) == 0
    out = capsys.readouterr().out
    assert "m_A' = 3 GeV" in out and "m_chi = 0.75 GeV" in out and "c tau" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["info", "b1", "--set", "model.m_Ap=-1"], "model.m_Ap: must be finite and > 0"),
        (["info", "b1", "--set", "model.m_Ap=0.1"], "m_phi: must lie in the range"),
        (["info", "nosuchcard"], "neither a file nor a built-in card"),
        (["info", "b1", "--set", "model.epps=1"], "did you mean 'eps'"),
    ],
)
def test_bad_input_exit_2_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("darkstrahl: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_console_script_exit_code() -> None:
    beside = Path(sys.executable).parent / "darkstrahl"
    exe = str(beside) if beside.exists() else shutil.which("darkstrahl")
    assert exe is not None, "the darkstrahl console script is installed"
    ok = subprocess.run([exe, "cards"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "b1" in ok.stdout
    bad = subprocess.run(
        [exe, "info", "b1", "--set", "model.theta=nan"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith("darkstrahl: error:") and "Traceback" not in bad.stderr
