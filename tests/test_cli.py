"""CLI: computed records, one-line errors with non-zero exit, no tracebacks."""
import json
import subprocess
import sys

import pytest

from chasm_theory.cli import main


def test_check_json_prints_a_computed_record(capsys):
    assert main(["check", "chasm.thm4.discrepancy-identity", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["id"] == "chasm.thm4.discrepancy-identity" and rec["verdict"] == "holds"
    for field in ("source", "statement", "kind", "predicted", "measured", "tolerance", "evidence"):
        assert field in rec


def test_fuzz_reports_a_minimal_counterexample(capsys):
    assert main(["fuzz", "chasm.thm4.discrepancy-nonzero", "--examples", "300"]) == 0
    assert "counterexample" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["check", "no.such.claim"], "unknown claim id 'no.such.claim'"),
        (["fuzz", "chasm.thm4.discrepancy-identity"], "parameter 'id'"),
        (["fuzz", "chasm.thm4.discrepancy-nonzero", "--examples", "0"], "parameter '--examples'"),
        (["run", "no-such-experiment"], "unknown experiment"),
        (["report", "--profile", "medium"], "invalid choice"),
        (["check", "chasm.thm4", "--seed", "x"], "invalid int value"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(argv, needle, capsys):
    with pytest.raises(SystemExit) if argv[0] == "frobnicate" or "--profile" in argv or "--seed" in argv else _nullcontext():
        code = main(argv)
        assert code == 2
    err = capsys.readouterr().err
    assert needle in err
    assert err.count("\n") == 1 and "Traceback" not in err


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_console_script_has_no_traceback():
    out = subprocess.run([sys.executable, "-m", "chasm_theory.cli", "check", "bogus.id"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.startswith("chasm-theory: error:") and "Traceback" not in out.stderr


def test_report_only_merges_into_claims_json(tmp_path, capsys):
    assert main(["report", "--only", "chasm.thm4", "--reports-dir", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "claims.json").read_text())
    ids = {r["id"] for r in doc["claims"]}
    assert "chasm.thm4.discrepancy-nonzero" in ids
    assert doc["meta"]["counts"]["fails"] >= 1
    md = (tmp_path / "REPORT.md").read_text()
    assert "chasm.thm4.discrepancy-nonzero" in md and "**fails**" in md
