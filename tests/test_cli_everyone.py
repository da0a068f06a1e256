"""Issue 16, "everyone" (items 13-19): a closed pipe, usage errors, --help examples, shell
completion, the README's set-up and the documented formats."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.shell_completion import ShellComplete
from click.testing import CliRunner

from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "formats.md"


# ---------------------------------------------------------------------------- 13: a closed pipe

CLOSED_PIPE = [
    ("treaties",),
    ("test",),
    ("run", "kursk_2024"),
    ("run", "kursk_2024", "--format", "json"),
    ("compare", "crimea_2014", "--interpretations", "all"),
    ("explain", "kursk_2024", "ru_kp_2024.art4", "--max-facts", "0"),
    ("graph", "nato_1949"),
    ("classify",),
    ("sweep", "seed_sweep"),
    ("--help",),
]


@pytest.mark.parametrize("args", CLOSED_PIPE, ids=lambda a: " ".join(a))
def test_a_closed_pipe_is_the_end_of_output(args: tuple[str, ...], tmp_path: Path) -> None:
    """`casus VERB | head`: the reader goes away before casus writes; casus stops quietly."""
    env = {**os.environ, "CASUS_CACHE_DIR": os.environ.get("CASUS_CACHE_DIR", str(tmp_path / "cache"))}
    p = subprocess.Popen([sys.executable, "-c", "from engine.cli import main; main(prog_name='casus')", *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # the reader is gone before a byte is written
    err = p.stderr.read().decode()
    code = p.wait(timeout=300)
    assert "Traceback" not in err and "Exception ignored" not in err and "internal error" not in err, err
    assert code in (0, 1), (code, err)  # click answers its own --help with 1; casus's verbs with 0


def test_a_closed_pipe_after_some_output_exits_0(tmp_path: Path) -> None:
    """`casus test | head -1`: the reader takes a line and goes."""
    env = {**os.environ, "CASUS_CACHE_DIR": os.environ.get("CASUS_CACHE_DIR", str(tmp_path / "cache"))}
    p = subprocess.run(f"{sys.executable} -c 'from engine.cli import main; main(prog_name=\"casus\")' test "
                       "| head -1; echo \"${PIPESTATUS[0]}\"", shell=True, executable="/bin/bash", cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    first, status = p.stdout.splitlines()
    assert first.startswith(("PASS", "FAIL"))
    assert status in ("0", "1"), p.stderr  # 1: bundled failures counted before the pipe closed never are
    assert "Traceback" not in p.stderr


# ---------------------------------------------------------------------------- 18: usage errors


def test_command_line_errors_are_not_located_in_a_file(cli: Any) -> None:
    result = cli("run", "kursk_2024", "--treaty", "nato_194")
    assert result.exit_code == 2
    assert "<command line>" not in result.stderr
    assert result.stderr.splitlines()[0] == "casus: E-UNKNOWN: unknown treaty 'nato_194'"
    assert result.stderr.splitlines()[1].startswith("  hint: did you mean 'nato_1949'")
    result = cli("explain", "kursk_2024", "ru_kp_2024")
    assert result.stderr.startswith("casus: E-USAGE: 'ru_kp_2024' should be TREATY.PROVISION")


# ---------------------------------------------------------------------------- 16: --help examples


def _commands() -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name, cmd in sorted(main.commands.items()):
        sub = getattr(cmd, "commands", None)
        if sub:
            out += [(name, s) for s in sorted(sub)]
        else:
            out.append((name,))
    return out


@pytest.mark.parametrize("verb", _commands(), ids=" ".join)
def test_every_verb_has_an_example_in_its_help(verb: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*verb, "--help"], prog_name="casus")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() in ("Example:", "Examples:"))
    examples = [line.strip() for line in lines[at + 1:] if line.strip()]
    examples = examples[: next((i for i, e in enumerate(examples) if e == "Options:"), len(examples))]
    assert examples and all(e.startswith("casus " + " ".join(verb)) for e in examples), examples


@pytest.mark.parametrize("example", [
    "casus compare seed_threat_no_request seed_armed_attack --interpretations all",
    "casus explain crimea_2014 nato_1949.art5 --max-facts 2",
    "casus graph ru_kp_2024 --scenario kursk_2024",
    "casus classify --treaty nato_1949 --treaty csto_1992",
    "casus diff us_jp_1960 us_kr_1953 --map JP=KR --action assist",
])
def test_the_help_examples_run(example: str) -> None:
    helps = "".join(CliRunner().invoke(main, [*v, "--help"], prog_name="casus").output for v in _commands())
    assert example in helps
    result = CliRunner().invoke(main, example.split()[1:], prog_name="casus")
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------------------- 16: completion


def _complete(args: list[str], incomplete: str) -> list[str]:
    return [c.value for c in ShellComplete(main, {}, "casus", "_CASUS_COMPLETE").get_completions(args, incomplete)]


def test_completion_of_treaty_ids() -> None:
    assert _complete(["run", "kursk_2024", "--treaty"], "nato") == ["nato_1949"]
    assert _complete(["graph"], "us_") == ["us_jp_1960", "us_kr_1953", "us_ph_1951"]
    assert "csto_1992" in _complete(["classify", "--treaty"], "")


def test_completion_of_treaty_provision() -> None:
    assert _complete(["explain", "kursk_2024"], "ru_") == ["ru_by_2024.", "ru_kp_2024."]
    assert _complete(["explain", "kursk_2024"], "ru_kp_2024.") == ["ru_kp_2024.art3", "ru_kp_2024.art4"]
    assert _complete(["explain", "kursk_2024"], "nato_1949.art5") == ["nato_1949.art5"]


def test_completion_of_bundled_scenarios_and_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "kursk_mine.casus").write_text("", encoding="utf-8")
    (tmp_path / "kursk_notes.txt").write_text("", encoding="utf-8")
    (tmp_path / "mine" / "b.json").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    got = _complete(["run"], "kursk")
    assert got[:4] == ["kursk_2024", "kursk_2025_extended", "kursk_dprk_deployment", "kursk_war_by_attack"]
    assert got[4:] == ["kursk_mine.casus"]  # a file; not the .txt
    assert _complete(["report", "-o", "x.html"], "mi") == ["mine/"]
    assert _complete(["compare"], "mine/") == ["mine/b.json"]
    assert _complete(["check"], "kursk") == ["kursk_mine.casus"]
    assert _complete(["sweep"], "seed") == ["seed_sweep"]
    assert _complete(["run", "--with"], "kursk_m") == ["kursk_mine.casus"]


BASH_PROBE = """
eval "$(_CASUS_COMPLETE=bash_source casus)"
compopt() { echo "compopt $1 $2"; }   # the builtin works only inside a real completion
COMP_WORDS=(casus explain kursk_2024 "$1"); COMP_CWORD=3
_casus_completion casus
echo "reply: ${COMPREPLY[*]}"
"""


def _bash_complete(incomplete: str) -> str:
    """What bash's completion function does for `casus explain kursk_2024 <incomplete>`, through
    the script the README has users install (the `casus` beside this interpreter)."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", BASH_PROBE, "probe", incomplete], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(not (Path(sys.executable).parent / "casus").exists(), reason="casus is not installed here")
def test_bash_adds_no_space_after_a_prefix() -> None:
    """`ru_kp_2024.` and `folder/` are typed on after, so bash must not add a space; a whole
    `TREATY.PROVISION` gets one."""
    assert _bash_complete("ru_kp") == "compopt -o nospace\nreply: ru_kp_2024.\n"
    assert _bash_complete("ru_kp_2024.art4") == "reply: ru_kp_2024.art4\n"


def test_zsh_adds_no_suffix_after_a_prefix() -> None:
    result = CliRunner().invoke(main, [], prog_name="casus", env={"_CASUS_COMPLETE": "zsh_source"},
                                complete_var="_CASUS_COMPLETE")
    assert "compadd -S '' -U -V unsorted -a prefixes" in result.output
    assert '"$key" == *[./]' in result.output


def test_completion_never_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.casus"
    bad.write_text("treaty {", encoding="utf-8")
    assert _complete(["run", "kursk_2024", "--with", str(bad), "--treaty"], "nato") == []
    assert _complete(["run"], str(tmp_path / "nowhere") + "/x") == []


def test_the_readme_says_how_to_turn_completion_on() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = readme[: readme.index("## A tour")]
    for shell in ("bash", "zsh", "fish"):
        assert f"_CASUS_COMPLETE={shell}_source casus" in first
        result = CliRunner().invoke(main, [], prog_name="casus", env={"_CASUS_COMPLETE": f"{shell}_source"},
                                    complete_var="_CASUS_COMPLETE")
        assert result.exit_code == 0 and "_CASUS_COMPLETE" in result.output


def test_the_readme_set_up_puts_casus_on_path() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = readme[: readme.index("## A tour")]
    assert first.index("source .venv/bin/activate") < first.index("\ncasus run ")
    assert "$CASUS_CACHE_DIR" in first and "casus cache clear" in first and "CASUS_CACHE_MAX_MB" in first


# ---------------------------------------------------------------------------- 15: the formats, documented


def _block(section: str, lang: str = "") -> str:
    text = DOCS.read_text(encoding="utf-8")
    m = re.search(rf"```{lang}\n(.*?)```", text[text.index(section):], re.S)
    assert m is not None
    return m.group(1)


def test_the_documented_scenario_file_passes(cli: Any, tmp_path: Path) -> None:
    p = tmp_path / "doc.casus"
    p.write_text(_block("## Scenario files (`.casus`)"), encoding="utf-8")
    text = p.read_text(encoding="utf-8")
    for word in ("says ", "source ", "vocabulary ", "interpretation ", "note ", "expect "):
        assert word in text
    result = cli("test", p)
    assert result.exit_code == 0, result.output
    assert "2 passed, 0 failed" in result.output


def test_the_documented_json_scenario_runs(cli: Any, tmp_path: Path) -> None:
    p = tmp_path / "doc.json"
    p.write_text(_block("## JSON scenarios", "json"), encoding="utf-8")
    result = cli("run", p, "--treaty", "ru_kp_2024", "--format", "json")
    assert result.exit_code == 0, result.output
    inst = json.loads(result.stdout)["results"][0]["instances"][0]
    assert (inst["status"], inst["since"], inst["activated"]) == ("fulfilled", "2024-12-10", "2024-12-04")


def test_the_result_json_is_documented_field_by_field(cli: Any) -> None:
    """Every field of the model is in the table, and the example is the real output's shape."""
    from engine.core import model

    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## The result JSON"):text.index("## `casus run --format csv`")]
    cells = re.findall(r"^\| ([^|]*) \|", section, re.M)
    documented = {name.rsplit(".", 1)[-1] for cell in cells for name in re.findall(r"`([^`]+)`", cell)}
    for cls in (model.Instance, model.TreatyResult, model.ScenarioInfo):
        for field in cls.model_fields:
            assert field in documented, (cls.__name__, field)
    assert {"schema", "results"} <= documented and "`scenario.name`" in section
    for status in model.Status.__args__:
        assert f"`{status}`" in section, status
    # the example is the real document, shortened
    real = json.loads(cli("run", "kursk_2024", "--format", "json").stdout)
    example = json.loads(_block("## The result JSON", "json"))
    assert example["schema"] == real["schema"] and example["scenario"] == real["scenario"]
    assert example["results"][0] == real["results"][0]
    shown = example["results"][-1]
    assert shown == next(r for r in real["results"] if r["treaty"] == shown["treaty"])


def test_no_document_points_at_an_unshipped_spec() -> None:
    for name in ("formats.md", "security.md"):
        assert "SPEC" not in (ROOT / "docs" / name).read_text(encoding="utf-8"), name
