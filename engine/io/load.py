"""Loading: the library and scenario files (`.casus` or `.json`), parsed, checked and cached, and
the names a command line gives checked against them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from engine.base.errors import CasusError, Diagnostic, Diagnostics
from engine.base.paths import display_path, library_dir
from engine.base.record import record
from engine.base.source import Span
from engine.kernel.facts import Scenario, from_decl
from engine.language import ast as A
from engine.language.library import Library, check_documents, check_scenario, iter_casus_files, parse_files
from engine.language.syntax import read_source


@record
class Sources:
    """Where a run's library comes from, as the command line gives it: `library` (`--library`:
    folders or files of treaties; None: the bundled library) and `extra` (`--with`, repeatable:
    language files or folders added for this run). Every function that takes a `library` argument
    also takes one of these; `library_files` decides what they mean."""

    library: tuple[str, ...] | None = None
    extra: tuple[str, ...] = ()


LibraryArg = str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | Sources | None


def sources(library: LibraryArg = None, extra: Iterable[str | os.PathLike[str]] = ()) -> Sources:
    """`library` (as `load` takes it) and `--with` paths as one `Sources`."""
    if isinstance(library, Sources):
        return Sources(library.library, library.extra + tuple(str(e) for e in extra))
    lib: tuple[str, ...] | None
    if library is None:
        lib = None
    elif isinstance(library, (str, os.PathLike)):
        lib = (str(library),)
    else:
        lib = tuple(str(x) for x in library)
    return Sources(lib, tuple(str(e) for e in extra))


@record
class LibraryFiles:
    """The files that form a run's library, in the order of precedence (later wins):

    - `standard`: with `--library`, the bundled files that declare no treaty (the vocabulary,
      regions and interpretations); `_arrange` keeps of them only the categories the given
      library does not declare itself (and no interpretation when it declares its own
      vocabulary: the standard interpretations are written in the standard one's words);
    - `base`: the bundled library, or the files of `--library`;
    - `extra`: the `--with` files (and, in `load`, the user's own files): a declaration whose
      id the library already has replaces the library's for this run, with a note on stderr.

    A file named twice (a bundled file given with `--with`, or as a file to check, in a checkout)
    is read once, where it first appears."""

    standard: tuple[str, ...]
    base: tuple[str, ...]
    extra: tuple[str, ...]

    @property
    def all(self) -> list[str]:
        return [*self.standard, *self.base, *self.extra]


def _real(path: str | os.PathLike[str]) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # a symbolic link loop: reading it says so
        return Path(os.path.abspath(path))


def library_files(library: LibraryArg = None, extra: Iterable[str | os.PathLike[str]] = ()) -> LibraryFiles:
    """The one place that decides which files form the library (every verb, `casus test` and the
    pytest plugin come here). E-FILE for a folder or file that does not exist."""
    src = sources(library, extra)
    roots: list[str | os.PathLike[str]] = [library_dir()] if src.library is None else list(src.library)
    for r in [*roots, *src.extra]:
        if not Path(r).exists():
            what = "library folder or file" if r in roots else "file or folder given with --with"
            raise CasusError([Diagnostic(Span(str(r), 1, 1, 1, 1), "E-FILE", f"no such {what}")])
    seen: set[Path] = set()

    def fresh(files: Iterable[str]) -> tuple[str, ...]:
        out = []
        for f in files:
            key = _real(f)
            if key not in seen:
                seen.add(key)
                out.append(f)
        return tuple(out)

    base = fresh(iter_casus_files(roots))
    standard: tuple[str, ...] = ()
    if src.library is not None:  # the standard vocabulary, regions and interpretations stay
        standard = fresh(f for f in iter_casus_files([library_dir()]) if _declares_no_treaty(f))
    return LibraryFiles(standard, base, fresh(iter_casus_files(src.extra)))


_TREATY = re.compile(rb"^[ \t]*(treaty|property)\b", re.MULTILINE)


def _declares_no_treaty(path: str) -> bool:
    """A bundled file of the standard vocabulary, regions or interpretations (not of treaties, or
    properties of treaties, which `--library` replaces)."""
    try:
        return _TREATY.search(Path(path).read_bytes()) is None
    except OSError:  # pragma: no cover - the bundled library is readable
        return False


def _library_files(library: LibraryArg) -> list[str]:
    """Every file of the library, in order (as `library_files` decides)."""
    return library_files(library).all


# what `--library DIR` keeps of the bundled library unless DIR declares its own: the vocabulary,
# regions, areas, administration of record and interpretations
_STANDARD = (A.VocabularyDecl, A.RegionDecl, A.AreaDecl, A.AdministrationDecl, A.InterpretationDecl)


def _keys(item: A.Item) -> list[tuple[str, str]]:
    """The (category, id) pairs a declaration declares."""
    if isinstance(item, A.VocabularyDecl):
        return [("kind", k.name) for k in item.kinds] + [("actor", a.name) for a in item.actors]
    if isinstance(item, A.RegionDecl):
        return [("region", item.name)]
    if isinstance(item, A.AreaDecl):
        return [("area", item.name)]
    if isinstance(item, A.AdministrationDecl):
        return [("administration", item.name)]
    if isinstance(item, A.InterpretationDecl):
        return [("interpretation", item.name)]
    if isinstance(item, A.TreatyDecl):
        return [("treaty", item.id)]
    if isinstance(item, A.PropertyDecl):
        return [("property", item.name)]
    return []


def _arrange(standard: list[A.Document], base: list[A.Document], mine: list[A.Document],
             bundled: bool) -> tuple[list[A.Document], list[str]]:
    """The documents of a run: the standard files' vocabulary, regions and interpretations of a
    kind `base` does not declare itself, then `base` and the user's files (`mine`), where a
    declaration of the user's replaces the library's of the same id. Also the notes to print:
    one line per user file that replaces something."""
    own: set[type] = {type(i) for d in base for i in d.items if isinstance(i, _STANDARD)}
    if A.VocabularyDecl in own:  # the standard interpretations are written in the standard vocabulary
        own.add(A.InterpretationDecl)
    kept = [A.Document(d.path, tuple(i for i in d.items if isinstance(i, _STANDARD) and type(i) not in own))
            for d in standard]
    docs = [d for d in kept if d.items] + list(base)  # a standard file with nothing kept is not read
    declared: dict[tuple[str, str], str] = {}
    for d in mine:
        for i in d.items:
            for k in _keys(i):
                declared.setdefault(k, d.path)
    replaced: dict[str, list[tuple[str, str]]] = {}
    # a library property about a provision that a treaty of the user's no longer has is set aside
    # (it was written for the library's text); one about provisions it still has is checked
    aside: dict[str, list[str]] = {}
    theirs = {i.id: (d.path, {p.id for p in i.provisions}) for d in mine for i in d.items
              if isinstance(i, A.TreatyDecl)}
    out = []
    for d in docs:
        items: list[A.Item] = []
        for i in d.items:
            gone = [k for k in _keys(i) if k in declared]
            if isinstance(i, A.PropertyDecl) and not gone:
                stale = next((t for t, p in _property_targets(i) if t in theirs and p not in theirs[t][1]), None)
                if stale is not None:
                    aside.setdefault(theirs[stale][0], []).append(i.name)
                    continue
            for k in gone:
                replaced.setdefault(declared[k], []).append(k)
            if isinstance(i, A.VocabularyDecl) and gone:
                items.append(replace(i, kinds=tuple(k for k in i.kinds if ("kind", k.name) not in declared),
                                     actors=tuple(a for a in i.actors if ("actor", a.name) not in declared)))
            elif not gone:
                items.append(i)
        out.append(A.Document(d.path, tuple(items)))
    whose = "bundled" if bundled else "library's"
    notes = []
    for path in sorted(replaced.keys() | aside.keys()):
        ks = sorted(set(replaced.get(path, [])))
        shown = ", ".join(f"{c} '{n}'" for c, n in ks[:3]) + (f" and {len(ks) - 3} more" if len(ks) > 3 else "")
        names = sorted(set(aside.get(path, [])))
        set_aside = (f" (setting aside the {whose} propert{'ies' if len(names) > 1 else 'y'} "
                     f"{', '.join(repr(n) for n in names)}, about provisions it does not have)") if names else ""
        notes.append(f"casus: note: {path} replaces the {whose} {shown} for this run{set_aside}")
    return out + list(mine), notes


def _bundled(files: LibraryFiles) -> bool:
    """Whether the library is the bundled one (for the notes' wording)."""
    return all(display_path(f).startswith("obligations/") for f in files.base)


def _property_targets(prop: A.PropertyDecl) -> list[tuple[str, str]]:
    """The (treaty, provision) pairs a property's rules name."""
    out = []
    for r in prop.rules:
        out.append((r.treaty, r.provision))
        if r.later is not None:
            out.append((r.later[0], r.later[1]))
    return out


_NOTED: set[str] = set()


def forget_notes() -> None:
    """Say the notes again (each run of the CLI starts afresh, in tests in the same process too)."""
    _NOTED.clear()


def _note(lines: Iterable[str]) -> None:
    """A note on stderr, once per process (a worker process that loads the library again after
    the command did says nothing)."""
    import sys

    for line in lines:
        if line not in _NOTED:
            _NOTED.add(line)
            print(line, file=sys.stderr)


def library_documents(library: LibraryArg, diags: Diagnostics,
                      mine: Sequence[A.Document] = ()) -> tuple[list[A.Document], set[str]]:
    """The parsed documents of a run's library (as `library_files` and `_arrange` decide, notes
    printed), with the user's own documents `mine` last; and the display paths of the library's
    own files (a clash is blamed on the other file). Problems go to `diags`."""
    files = library_files(library)
    docs, notes = _arrange(parse_files(files.standard, diags), parse_files(files.base, diags),
                           parse_files(files.extra, diags) + list(mine), _bundled(files))
    _note(notes)
    return docs, {display_path(f) for f in (*files.standard, *files.base)}


def load(scenario_paths: Iterable[str | os.PathLike[str]] = (), library: LibraryArg = None,
         extra: Iterable[str | os.PathLike[str]] = ()) -> tuple[Library, list[Scenario]]:
    """Load the library (bundled by default; `extra`: `--with` files or folders) and scenario files
    (`.casus` or `.json`).

    A `.casus` file given as a scenario may also declare treaties, regions or interpretations:
    they join the library for this run, and one whose id the library already has replaces the
    library's (a note on stderr says so). A library file given again is read once. The scenarios
    come in the order of the paths as given (a folder's files sorted), then of their lines.
    Raises CasusError listing every problem found.

    A file of scenarios only that checked cleanly against this library is cached, parsed and
    checked (engine/base/cache.py), by the content of the file and of the library: loading it again
    needs neither the parser nor the checker."""
    from engine.base.memo import collector_paused

    with collector_paused():  # what it builds holds no cycles (engine/base/memo.py)
        lib, scenarios, _ = _load(scenario_paths, library, extra, keep=True)
    return lib, scenarios


def check_files(scenario_paths: Iterable[str | os.PathLike[str]] = (), library: LibraryArg = None,
                extra: Iterable[str | os.PathLike[str]] = ()) -> tuple[Library, int]:
    """What `casus check` needs of `load`: the library and the number of scenarios, every
    problem raised as `load` raises it, without making the scenarios (engine/kernel/facts.py). A
    file of scenarios only too big to be cached is never held whole: it is read, checked and let
    go a fact at a time (`_check_big`), so a 5 MB file costs about twice its size (its bytes and
    its text), not the ~25 times its documents and facts take."""
    from engine.base.memo import collector_paused

    paths = list(scenario_paths)
    with collector_paused():
        try:
            lib, _, count = _load(paths, library, extra, keep=False)
        except _NotScenariosOnly:  # a big file declares more than scenarios: everything as `load` does
            lib, _, count = _load(paths, library, extra, keep=True)
    return lib, count


class _NotScenariosOnly(Exception):
    """A file `_check_big` was to read declares more than scenarios (or another file does)."""


def _load(scenario_paths: Iterable[str | os.PathLike[str]], library: LibraryArg,
          extra: Iterable[str | os.PathLike[str]], keep: bool) -> tuple[Library, list[Scenario], int]:
    """`load`, and how many scenarios it loaded. With `keep` False (`check_files`), only that
    number: no scenarios are made, and a file of scenarios only that is not cached is not kept
    either (`_check_big`)."""
    diags = Diagnostics()
    src = sources(library, extra)
    files = library_files(src)
    lib_files = files.all
    taken = {_real(f) for f in lib_files}
    user_files: list[str] = []
    for p in iter_casus_files(scenario_paths) if scenario_paths else ():
        key = _real(p)
        if key not in taken:  # a file named twice is read once; a library file is in the library already
            taken.add(key)
            user_files.append(str(p))
    lib_key, lib_data = _library_key(files) if not files.extra else (None, None)
    user_docs: list[A.Document] = []
    json_decls: list[A.ScenarioDecl] = []
    fresh: list[tuple[tuple[str, str], A.Document | A.ScenarioDecl]] = []  # to cache once everything checks
    cached: set[int] = set()  # ids of the declarations that came checked from the cache
    big: list[tuple[str, bytes]] = []  # (path, bytes) for `_check_big`, once the library is known
    for path in user_files:
        is_json = path.endswith(".json")
        data, name = _scenario_entry(path, lib_key, is_json)
        if not keep and name is None and data is not None and not is_json and not files.extra:
            big.append((path, data))
            continue
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
    streamed = 0
    if only_scenarios and not files.extra:
        # the common case: the (cached) library, and scenarios checked against it
        lib = _checked_library(files, src, lib_key, lib_data, diags)
        decls = [i for d in user_docs for i in d.items if isinstance(i, A.ScenarioDecl)]
        for decl in decls:
            if id(decl) not in cached:  # a cached one was checked against this very library
                check_scenario(lib, decl, diags)
        for path, data in big:
            streamed += _check_big(lib, path, data, diags)
    elif big:
        raise _NotScenariosOnly
    else:
        docs, shown = library_documents(src, diags, user_docs)
        lib, decls = check_documents(docs, diags, shown)
    diags.raise_if_any()
    if only_scenarios and lib_key is not None:
        from engine.base import cache

        for (name, path), entry in fresh:
            cache.save(name, entry, path)
    order = {display_path(p): n for n, p in enumerate(user_files)}
    mine = [d for d in decls if d.span.path in order]
    if not keep:  # how many, not the scenarios themselves
        return lib, [], len(mine) + streamed
    scenarios = [from_decl(d) for d in mine]
    scenarios.sort(key=lambda s: (order[s.source], s.decl.span.line if s.decl else 0))
    return lib, scenarios, len(scenarios)


def _check_big(lib: Library, path: str, data: bytes, diags: Diagnostics) -> int:
    """Check a file of scenarios only (never cached: `CACHE_MAX_FILE`) against the library,
    without holding its documents: engine/language/quick.py reads it a fact at a time, and
    each fact and scenario is checked as it is read and let go. The problems are those
    `_parse_casus` and `check_scenario` find, in `diags`; the number of its scenarios. A file
    that reader declines is parsed with Lark, whole; one that declares more than scenarios
    raises _NotScenariosOnly (the caller loads everything as before)."""
    from engine.language import quick
    from engine.language.library import parse_source, scenario_checker
    from engine.language.syntax import decode

    try:
        src = decode(display_path(path), data)  # as `_parse_casus` does
    except CasusError as e:
        diags.items.extend(e.diagnostics)
        return 0
    local = Diagnostics()  # dropped if the reader declines halfway
    local.add_source(src.path, src.text)
    checker = scenario_checker(lib, local)
    count = quick.stream(src, local, checker.fact, checker.scenario)
    if count is not None:
        diags.add_source(src.path, src.text)
        diags.items.extend(local.items)
        return count
    del local, checker
    doc = parse_source(src, diags, try_quick=False)
    if doc is None:
        return 0
    if not all(isinstance(i, A.ScenarioDecl) for i in doc.items):
        raise _NotScenariosOnly
    for item in doc.items:
        assert isinstance(item, A.ScenarioDecl)
        check_scenario(lib, item, diags)
    return len(doc.items)


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


def _library_key(files: LibraryFiles) -> tuple[str | None, list[bytes] | None]:
    """The library's cache key, from the content of its files and the part each plays, and that
    content (what is cached must be made from the very bytes its key was); (None, None) if a file
    cannot be read."""
    from engine.base import cache
    from engine.base.limits import read_limited

    try:
        parts = _key_parts()
        data: list[bytes] = []
        for part, group in (("standard", files.standard), ("base", files.base), ("extra", files.extra)):
            for f in group:
                data.append(read_limited(f, display_path(f)))
                parts += [part, display_path(f), data[-1]]
    except OSError:
        return None, None
    return cache.key(*parts), data


# A scenario file bigger than this is parsed and checked afresh on every run, never cached: its
# entry would be four times its size and take longer to write than the file takes to read
# (engine/language/quick.py reads a file of scenarios at about 2 MB a second).
CACHE_MAX_FILE = 1 << 20


def _scenario_entry(path: str, lib_key: str | None, is_json: bool) -> tuple[bytes | None, str | None]:
    """A user's file: its bytes (None if it cannot be read: the parser then says why) and the
    name of its cache entry (None if it has none): by the file's content, not its path (the
    entry holds its spans without the path, engine/base/cache.py)."""
    from engine.base import cache
    from engine.base.limits import read_limited

    try:
        data = read_limited(path, display_path(path))  # E-SIZE over the bound (engine/base/limits.py)
    except OSError:
        return None, None
    if lib_key is None or len(data) > CACHE_MAX_FILE:
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


def _checked_library(files: LibraryFiles, src: Sources, key: str | None, data: list[bytes] | None,
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
        docs, shown = library_documents(src, diags)
    else:
        texts = iter(data)
        parsed = [[d for f in group for d in _parse_casus(f, next(texts), diags)]
                  for group in (files.standard, files.base)]
        docs, _ = _arrange(parsed[0], parsed[1], [], _bundled(files))
        shown = {display_path(f) for f in (*files.standard, *files.base)}
    lib, _ = check_documents(docs, diags, shown)
    if name is not None and len(diags.items) == before:
        cache.save(name, lib)
    return lib


def load_library(library: LibraryArg = None, extra: Iterable[str | os.PathLike[str]] = ()) -> Library:
    """The checked library (the bundled one by default; `extra`: `--with` files or folders)."""
    return load((), library, extra)[0]


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


__all__ = ["load", "check_files", "load_library", "check_names", "Sources", "sources", "LibraryFiles", "library_files",
           "library_documents"]
