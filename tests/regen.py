"""Regenerate the golden files in tests/golden and the published JSON Schema.

    python3 tests/regen.py          # or: python3 -m pytest --regen

Golden cases are the `*.casus` files in tests/golden. A file that casus rejects gets its error
report beside it (`x.casus.err`, what `casus check x.casus` prints on stderr); a scenario gets
`casus run x.casus --format table` and `--format json` beside it (`x.casus.table`, `x.casus.json`).
Commands run inside tests/golden, so the paths in the output are the bare file names."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SCHEMA = ROOT / "docs" / "result.schema.json"

if str(ROOT) not in sys.path:  # when run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from click.testing import CliRunner

from engine.base.paths import grammar_path
from engine.cli import main
from engine.core.model import Result
from engine.language import codes, syntax


def schema_text() -> str:
    """The JSON Schema of the result JSON, as published in docs/result.schema.json."""
    return json.dumps(Result.model_json_schema(by_alias=True), indent=2) + "\n"


@contextmanager
def inside(folder: Path) -> Iterator[None]:
    """Run the block with `folder` as the working directory."""
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def golden_cases() -> list[Path]:
    return sorted(GOLDEN.glob("*.casus"))


def golden_outputs(case: Path) -> dict[str, str]:
    """{suffix: text} that belongs beside `case`: `.err` for bad input, `.table` and `.json` for a scenario."""
    runner = CliRunner()
    with inside(case.parent):
        checked = runner.invoke(main, ["check", case.name])
        if checked.exit_code == 2:
            return {".err": checked.stderr}
        if checked.exit_code != 0:  # pragma: no cover - a bug in casus or in the case
            raise RuntimeError(f"casus check {case.name} exited {checked.exit_code}:\n{checked.output}")
        out = {}
        for fmt in ("table", "json"):
            res = runner.invoke(main, ["run", case.name, "--format", fmt])
            if res.exit_code != 0:  # pragma: no cover
                raise RuntimeError(f"casus run {case.name} --format {fmt} exited {res.exit_code}:\n{res.output}")
            out[f".{fmt}"] = res.stdout
        return out


def write_all() -> list[Path]:
    written = []
    SCHEMA.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA.write_text(schema_text(), encoding="utf-8")
    written.append(SCHEMA)
    if syntax.shipped_parser(grammar_path().read_text(encoding="utf-8")) is None:  # the grammar changed
        written.append(syntax.write_tables())
    if codes.shipped_codes() is None:  # another pycountry
        written.append(codes.write_codes())
    for case in golden_cases():
        for suffix in (".err", ".table", ".json"):  # drop outputs of the other kind
            stale = case.with_name(case.name + suffix)
            if stale.exists():
                stale.unlink()
        for suffix, text in golden_outputs(case).items():
            target = case.with_name(case.name + suffix)
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path.relative_to(ROOT))
