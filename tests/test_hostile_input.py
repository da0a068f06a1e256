"""Inputs that crashed casus (issue 17, item 5): now located errors with exit 2, no traceback."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("command", [["check"], ["fmt"], ["fmt", "--check"], ["run"], ["test"]])
def test_a_symbolic_link_loop_is_a_located_error(cli, tmp_path, monkeypatch, command) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    loop = tmp_path / "loop.casus"
    loop.symlink_to("loop.casus")
    r = cli(*command, "loop.casus")
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("loop.casus:1:1: E-FILE: ") and "Traceback" not in r.stderr
