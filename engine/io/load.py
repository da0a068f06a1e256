"""Loading: the library and scenario files (`.casus` or `.json`), parsed, checked and cached, and
the names a command line gives checked against them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from engine.base.errors import CasusError, Diagnostic, Diagnostics
from engine.base.paths import display_path, library_dir
from engine.base.source import Span
from engine.kernel.facts import Scenario, from_decl
from engine.language import ast as A
from engine.language.library import Library, check_documents, check_scenario, iter_casus_files, parse_files
from engine.language.syntax import read_source


def _library_files(library: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None) -> list[str]:
    if library is None:
        roots: list[str | os.PathLike[str]] = [library_dir()]
    elif isinstance(library, (str, os.PathLike)):
        roots = [library]
    else:
        roots = list(library)
    for r in roots:
        if not Path(r).exists():
            raise CasusError([Diagnostic(Span(str(r), 1, 1, 1, 1), "E-FILE", "no such library folder or file")])
    return list(iter_casus_files(roots))


def load(scenario_paths: Iterable[str | os.PathLike[str]] = (),
         library: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
         ) -> tuple[Library, list[Scenario]]:
    """Load the library (bundled by default) and scenario files (`.casus` or `.json`).

    A `.casus` file given as a scenario may also declare treaties, regions or interpretations:
    they join the library for this run. Raises CasusError listing every problem found.

    A file of scenarios only that checked cleanly against this library is cached, parsed and
    checked (engine/base/cache.py), by the content of the file and of the library: loading it again
    needs neither the parser nor the checker."""
    diags = Diagnostics()
    lib_files = _library_files(library)
    user_files: list[str] = []
    seen: set[Path] = set()
    for p in iter_casus_files(scenario_paths) if scenario_paths else ():
        try:
            key = Path(p).resolve()
        except (OSError, RuntimeError):  # a symbolic link loop: reading it says so
            key = Path(os.path.abspath(p))
        if key not in seen:  # a file named twice is read once
            seen.add(key)
            user_files.append(str(p))
    lib_key, lib_data = _library_key(lib_files)
    user_docs: list[A.Document] = []
    json_decls: list[A.ScenarioDecl] = []
    fresh: list[tuple[tuple[str, str], A.Document | A.ScenarioDecl]] = []  # to cache once everything checks
    cached: set[int] = set()  # ids of the declarations that came checked from the cache
    for path in user_files:
        is_json = path.endswith(".json")
        if not is_json and path in lib_files:
            continue  # a library file named as a scenario: it is in the library already
        data, name = _scenario_entry(path, lib_key, is_json)
        got = _cached_scenarios(path, data, name, is_json, diags)
        if got is not None:
            if isinstance(got, A.ScenarioDecl):  # what a JSON file's entry holds (`_cached_scenarios`)
                json_decls.append(got)
            else:
                user_docs.append(got)
            cached.update(id(d) for d in _decls(got))
            continue
        if is_json:
            decl = _parse_json(path, data, diags)
            if decl is not None:
                json_decls.append(decl)
                if name is not None:
                    fresh.append(((name, display_path(path)), decl))
        else:
            docs = _parse_casus(path, data, diags)
            user_docs.extend(docs)
            if name is not None:
                fresh.extend(((name, display_path(path)), d) for d in docs)
    if json_decls:
        user_docs.append(A.Document("<json>", tuple(json_decls)))
    only_scenarios = all(isinstance(i, A.ScenarioDecl) for d in user_docs for i in d.items)
    shown = {display_path(f) for f in lib_files}
    if only_scenarios:
        # the common case: the (cached) library, and scenarios checked against it
        lib = _checked_library(lib_files, lib_key, lib_data, diags)
        decls = [i for d in user_docs for i in d.items if isinstance(i, A.ScenarioDecl)]
        for decl in decls:
            if id(decl) not in cached:  # a cached one was checked against this very library
                check_scenario(lib, decl, diags)
    else:
        docs = parse_files(lib_files, diags) + user_docs
        lib, decls = check_documents(docs, diags, shown)
    diags.raise_if_any()
    if only_scenarios:
        from engine.base import cache

        for (name, path), entry in fresh:
            cache.save(name, entry, path)
    user = {display_path(p) for p in user_files}
    scenarios = [from_decl(d) for d in decls if d.span.path in user]
    scenarios.sort(key=lambda s: (s.source, s.decl.span.line if s.decl else 0))
    return lib, scenarios


def _decls(entry: A.Document | A.ScenarioDecl) -> tuple[A.ScenarioDecl, ...]:
    if isinstance(entry, A.ScenarioDecl):
        return (entry,)
    return tuple(i for i in entry.items if isinstance(i, A.ScenarioDecl))


def _key_parts() -> list[bytes | str]:
    """What every cached result of parsing and checking depends on besides its files: casus's
    version and code, the grammar, and pycountry's code tables."""
    from engine.base import __version__, cache
    from engine.base.paths import grammar_path
    from engine.language import codes

    return [__version__, cache.code_stamp(), codes.data_stamp() or "", grammar_path().read_bytes()]


def _library_key(lib_files: list[str]) -> tuple[str | None, list[bytes] | None]:
    """The library's cache key, from the content of its files, and that content (what is
    cached must be made from the very bytes its key was); (None, None) if a file cannot be read."""
    from engine.base import cache

    try:
        parts = _key_parts()
        data: list[bytes] = []
        for f in lib_files:
            data.append(Path(f).read_bytes())
            parts += [display_path(f), data[-1]]
    except OSError:
        return None, None
    return cache.key(*parts), data


def _scenario_entry(path: str, lib_key: str | None, is_json: bool) -> tuple[bytes | None, str | None]:
    """A user's file: its bytes (None if it cannot be read: the parser then says why) and the
    name of its cache entry (None if it has none): by the file's content, not its path (the
    entry holds its spans without the path, engine/base/cache.py)."""
    from engine.base import cache

    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None, None
    if lib_key is None:
        return data, None
    return data, f"scenarios-{cache.key(lib_key, 'json' if is_json else 'casus', data)}"


def _cached_scenarios(path: str, data: bytes | None, name: str | None, is_json: bool,
                      diags: Diagnostics) -> A.Document | A.ScenarioDecl | None:
    """A file's cache entry, if it is what such an entry holds (anything else is a miss). Its
    text goes to `diags` as a parsed file's would."""
    if name is None or data is None:
        return None
    from engine.base import cache
    from engine.language.syntax import decode

    shown = display_path(path)
    got = cache.load(name, shown)
    if is_json:
        ok = isinstance(got, A.ScenarioDecl)
    else:
        ok = isinstance(got, A.Document) and all(isinstance(i, A.ScenarioDecl) for i in got.items)
    if not ok:
        return None
    try:
        src = decode(display_path(path), data)
    except CasusError:  # pragma: no cover - it decoded when it was cached
        return None
    diags.add_source(src.path, src.text)
    if isinstance(got, A.Document):
        got = A.Document(shown, got.items)
    return got


def _parse_casus(path: str, data: bytes | None, diags: Diagnostics) -> list[A.Document]:
    if data is None:
        return parse_files([path], diags)
    from engine.language.library import parse_source
    from engine.language.syntax import decode

    try:
        src = decode(display_path(path), data)  # as read_source does
    except CasusError as e:
        diags.items.extend(e.diagnostics)
        return []
    doc = parse_source(src, diags)
    return [] if doc is None else [doc]


def _parse_json(path: str, data: bytes | None, diags: Diagnostics) -> A.ScenarioDecl | None:
    from engine.io.jsonscenario import parse_json_scenario
    from engine.language.syntax import decode

    try:
        src = read_source(path) if data is None else decode(display_path(path), data)
        diags.add_source(src.path, src.text)
        return parse_json_scenario(src, diags)
    except CasusError as e:
        diags.items.extend(e.diagnostics)
        return None


def _checked_library(lib_files: list[str], key: str | None, data: list[bytes] | None,
                     diags: Diagnostics) -> Library:
    """The checked library, from the cache when its files are unchanged. Errors in the library
    itself go to `diags` (and nothing is cached)."""
    from engine.base import cache

    name = None if key is None else f"library-{key}"
    if name is not None:
        got = cache.load(name)
        if isinstance(got, Library):
            return got
    before = len(diags.items)
    if data is None:
        docs = parse_files(lib_files, diags)
    else:
        docs = [d for f, b in zip(lib_files, data, strict=True) for d in _parse_casus(f, b, diags)]
    lib, _ = check_documents(docs, diags, {display_path(f) for f in lib_files})
    if name is not None and len(diags.items) == before:
        cache.save(name, lib)
    return lib


def load_library(library: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None) -> Library:
    """The checked library (the bundled one by default)."""
    return load((), library)[0]


def check_names(lib: Library, treaties: Sequence[str] | None, interpretation: str | None) -> None:
    """Unknown treaty ids and interpretation names from the command line, with suggestions."""
    diags = Diagnostics()
    span = Span("<command line>", 1, 1, 1, 1)
    for t in treaties or ():
        if t not in lib.treaties:
            diags.unknown(span, "treaty", t, lib.treaties)
    if interpretation is not None and interpretation not in lib.interpretations:
        diags.unknown(span, "interpretation", interpretation, lib.interpretations)
    diags.raise_if_any()


__all__ = ["load", "load_library", "check_names"]
