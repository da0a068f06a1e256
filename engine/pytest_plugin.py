"""A pytest plugin: a researcher's own folder of `.casus` files runs under plain `pytest`.

Installed with casus (entry point `casus` in the `pytest11` group), or enabled by hand with
`pytest -p engine.pytest_plugin`. It collects every `.casus` file: one that does not load (with
or without `expect` lines; not UTF-8 included) is a collection error with casus's message, and
one that loads yields a test item for each of its `expect` lines and `property` blocks:

- each `expect` line is a test item, named by its text, located at `file:line`; a failure
  reports the file, the line and what `engine.check_expectations` found;
- each `property` is a test item that fuzzes its rules (`engine.analysis.fuzz.check_property`) and, on a
  failure, reports the shrunk counter-example as a ready-to-run `.casus` scenario.

The library is the bundled one, plus every file in the folder tree (pytest's rootdir) that
declares treaties, regions, interpretations or a vocabulary, read as `casus test --with` reads
them (a declaration whose id the library has replaces it). The ini option `casus_library`
(or `--casus-library`) names other folders or files to use instead of the bundled library.
Files of the bundled library and scenarios are never collected (the casus test suite checks
those)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

_DECLARES = re.compile(r"^[ \t]*(treaty|region|interpretation|vocabulary)\b", re.MULTILINE)
_TREE_KEY = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("casus", "casus scenarios and properties (.casus files)")
    group.addoption("--casus-library", action="append", default=None, metavar="PATH",
                    help="a folder or file of treaties to use instead of the bundled library (repeatable)")
    group.addoption("--casus-examples", default=None, metavar="N",
                    help="examples per property rule when fuzzing (default: the casus_examples ini value, or 100)")
    group.addoption("--casus-seed", default=None, metavar="S", help="seed for fuzzing properties (reproducible runs)")
    parser.addini("casus_library", "folders or files of treaties to use instead of the bundled library",
                  type="paths", default=[])
    parser.addini("casus_examples", "examples per property rule when fuzzing", default="100")
    parser.addini("casus_seed", "seed for fuzzing properties (empty: random)", default="")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".casus" or _bundled(file_path):
        return None
    # Every file is collected, with or without `expect` lines: one that does not load (bad syntax,
    # an unknown name, not UTF-8) is a collection error showing casus's own message, as
    # `casus check` would show it; a file that loads and has nothing to test yields no items.
    return CasusFile.from_parent(parent, path=file_path)


def _bundled(path: Path) -> bool:
    from engine.base.paths import library_dir, scenarios_dir

    real = path.resolve()
    return any(root == real or root in real.parents for root in (library_dir().resolve(), scenarios_dir().resolve()))


def _library(config: pytest.Config, own: Path) -> Any:
    """The library for one file, as `casus test --library … --with …` reads it (engine/io/load.py
    `library_files` decides for both): the bundled one (or casus_library), with the folder
    tree's own treaty files (other than `own`, which is loaded as the user's file) given with
    `--with`: a declaration whose id the library has replaces the library's."""
    from engine.io.load import sources

    chosen = config.getoption("casus_library") or []
    roots = [str(p) for p in chosen] or [str(p) for p in config.getini("casus_library")]
    tree = config.stash.get(_TREE_KEY, None)
    if tree is None:
        tree = _tree_files(config.rootpath)
        config.stash[_TREE_KEY] = tree
    resolved_roots = [Path(r).resolve() for r in roots]
    extra = [f for f in tree if f.resolve() != own.resolve()
             and not any(r == f.resolve() or r in f.resolve().parents for r in resolved_roots)]
    return sources(roots or None, extra)


def _tree_files(root: Path) -> list[Path]:
    out = []
    for f in sorted(root.rglob("*.casus")):
        rel = f.relative_to(root).parts
        if any(p.startswith(".") or p in ("node_modules", "__pycache__") for p in rel[:-1]) or _bundled(f):
            continue
        try:
            if _DECLARES.search(f.read_text(encoding="utf-8-sig")):
                out.append(f)
        except (OSError, UnicodeDecodeError):
            continue
    return out


def _check_property() -> Any:
    """`engine.analysis.fuzz.check_property`, when this casus has it."""
    try:
        from engine.analysis import fuzz
    except ImportError:  # pragma: no cover - older casus
        return None
    f = getattr(fuzz, "check_property", None)
    return f if callable(f) else None


class CasusError(Exception):
    """A file that does not load: shown as casus shows it, never as a traceback."""


class ExpectationFailed(Exception):
    pass


class PropertyFailed(Exception):
    pass


class CasusFile(pytest.File):
    @cached_property
    def loaded(self) -> tuple[Any, list[Any]]:
        import engine

        try:
            return engine.load([_shown(self.config, self.path)], library=_library(self.config, self.path))
        except engine.CasusError as e:
            raise CasusError(e.render()) from None

    def collect(self) -> Iterator[pytest.Item]:
        from engine.base.paths import display_path

        lib, scenarios = self.loaded
        try:
            lines = self.path.read_text(encoding="utf-8-sig").split("\n")
        except (OSError, UnicodeDecodeError):  # pragma: no cover - loaded above, so it reads
            lines = []
        used: set[str] = set()
        for s in scenarios:
            for index, e in enumerate(s.expects):
                name = _line_text(lines, e.span.line) or f"expect at line {e.span.line}"
                if name in used:
                    name = f"{name} (line {e.span.line})"
                used.add(name)
                yield ExpectItem.from_parent(self, name=name, scenario=s, index=index, line=e.span.line)
        check = _check_property()
        if check is None:
            return
        shown = display_path(_shown(self.config, self.path))
        for prop in sorted(lib.properties.values(), key=lambda p: p.span.line):
            if prop.span.path == shown:
                yield PropertyItem.from_parent(self, name=f"property {prop.name}", prop=prop, check=check)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CasusError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    # outcomes are computed once per scenario (one evaluation per interpretation it mentions)
    def outcomes(self, scenario: Any) -> list[Any]:
        cache: dict[int, list[Any]] = self.__dict__.setdefault("_outcomes", {})
        key = id(scenario)
        if key not in cache:
            from engine.analysis.expect import check_expectations

            cache[key] = check_expectations(self.loaded[0], scenario)
        return cache[key]


def _shown(config: pytest.Config, path: Path) -> str:
    """The path as messages show it: relative to where pytest was started, when below it."""
    try:
        return str(path.relative_to(config.invocation_params.dir))
    except ValueError:
        return str(path)


def _line_text(lines: list[str], line: int) -> str:
    text = lines[line - 1] if 1 <= line <= len(lines) else ""
    text = re.sub(r"\s+#.*$", "", text)  # a trailing comment is not part of the name
    return " ".join(text.split())


class ExpectItem(pytest.Item):
    def __init__(self, *, scenario: Any, index: int, line: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario, self.index, self.line = scenario, index, line

    def runtest(self) -> None:
        from engine.analysis.expect import _describe

        assert isinstance(self.parent, CasusFile)
        outcome = self.parent.outcomes(self.scenario)[self.index]
        if not outcome.ok:
            raise ExpectationFailed(f"{outcome.expect.span.short}: {_describe(outcome.expect)} "
                                    f"(interpretation {outcome.interpretation}): {outcome.message}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, (ExpectationFailed, CasusError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line - 1, f"{self.path.name}:{self.line}: {self.name}"


class PropertyItem(pytest.Item):
    def __init__(self, *, prop: Any, check: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prop, self.check = prop, check

    def runtest(self) -> None:
        assert isinstance(self.parent, CasusFile)
        lib = self.parent.loaded[0]
        cfg = self.config
        examples = int(cfg.getoption("casus_examples") or cfg.getini("casus_examples") or 100)
        seed_text = cfg.getoption("casus_seed") or cfg.getini("casus_seed")
        kwargs: dict[str, Any] = {"examples": examples, "seed": int(seed_text) if seed_text else None}
        cache = getattr(cfg, "cache", None)  # None with -p no:cacheprovider
        if cache is not None and "cache" in inspect.signature(self.check).parameters:
            kwargs["cache"] = cache.mkdir("casus")  # Hypothesis's database: failures replay first
        failures = self.check(lib, self.prop, **kwargs)
        if failures:
            parts = []
            for f in failures:
                parts.append(f"{f.where}: property {f.name}: {f.rule}\n  {f.message}\n"
                             f"counter-example (a ready-to-run scenario):\n{f.casus}")
            raise PropertyFailed("\n".join(parts))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, (PropertyFailed, CasusError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.prop.span.line - 1, f"{self.path.name}:{self.prop.span.line}: {self.name}"
