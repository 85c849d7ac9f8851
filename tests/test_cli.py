import json
import subprocess
import sys
import types

import pytest

from keras_course import cli, runner
from keras_course.questions import QUESTIONS


def test_list_shows_all_38_questions(capsys):
    assert cli.main(["list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(QUESTIONS) == 38
    assert "q01_fully_connected" in lines[0]
    table = runner.question_table()
    for q, line in zip(QUESTIONS, lines):
        assert line.strip().endswith(", ".join(table[q]) or "planned")


def test_unknown_recipe_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown recipe 'nope'"):
        runner.load_recipe("nope")


def _fake_recipe(name, fail):
    module = types.ModuleType(f"recipes.{name}")
    module.__doc__ = f"# Fake {name}\n\nFor the tour test."
    module.QUESTIONS = (1,)

    def run(quick=False, seed=0, out=None):
        if fail:
            raise RuntimeError("boom")
        out = runner.prepare_out(out, name)
        (out / "plot.png").write_bytes(b"\x89PNG")
        return runner.save_metrics(out, {"accuracy": 0.9, "seed": seed})

    module.run = run
    return module


def test_tour_reports_failures_and_goes_on(monkeypatch, tmp_path, capsys):
    fakes = {"a_ok": _fake_recipe("a_ok", False), "b_fails": _fake_recipe("b_fails", True),
             "c_ok": _fake_recipe("c_ok", False)}
    monkeypatch.setattr(runner, "recipe_names", lambda: sorted(fakes))
    monkeypatch.setattr(runner, "load_recipe", fakes.__getitem__)
    assert cli.main(["tour", "--quick", "--out", str(tmp_path)]) == 1
    printed = capsys.readouterr()
    assert "[1/3] a_ok: ok" in printed.out and "[2/3] b_fails: failed" in printed.out
    assert "[3/3] c_ok: ok" in printed.out  # the tour went on after the failure
    assert "b_fails" in printed.err
    page = (tmp_path / "index.html").read_text()
    assert "RuntimeError: boom" in page and "accuracy = 0.9" in page
    assert "<img src='a_ok/plot.png'" in page
    rows = json.loads((tmp_path / "tour.json").read_text())
    assert [r["status"] for r in rows] == ["ok", "failed", "ok"]


def test_recipe_module_command_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "recipes.q01_fully_connected", "--help"],
                            capture_output=True, text=True, check=True)
    assert "--quick" in result.stdout and "--seed" in result.stdout and "--out" in result.stdout


def test_save_metrics_converts_numpy(tmp_path):
    import numpy as np

    metrics = runner.save_metrics(tmp_path, {"a": np.float32(0.5), "b": np.arange(3), "c": {"d": np.int64(2)},
                                             "nan": float("nan")})
    assert metrics == {"a": 0.5, "b": [0, 1, 2], "c": {"d": 2}, "nan": None}
    assert json.loads((tmp_path / "metrics.json").read_text()) == metrics
    with pytest.raises(TypeError, match="metrics must be a dict"):
        runner.save_metrics(tmp_path, [1, 2])
