"""What `casus diff` is asked: the two treaties (library ids, or files declaring one each), the
party mapping (`--map X=Y`) and the options, checked, with the errors the command line shows."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from engine.analysis.sides import Side, SideView
from engine.base.errors import CasusError, Diagnostic, Diagnostics, suggest
from engine.base.paths import display_path
from engine.base.source import Span
from engine.kernel.context import static_context
from engine.language import ast as A
from engine.language.codes import is_country
from engine.language.library import Library, check_documents, parse_files

CLI = Span("<command line>", 1, 1, 1, 1)

if TYPE_CHECKING:
    from engine.io.load import LibraryArg


def usage_error(message: str, hint: str | None = None, suggestions: tuple[str, ...] = ()) -> CasusError:
    if hint is None and suggestions:
        from engine.base.errors import did_you_mean

        hint = did_you_mean(suggestions)
    return CasusError([Diagnostic(CLI, "E-USAGE", message, hint, suggestions)])


# ---------------------------------------------------------------------------- loading


def load_sides(a: str, b: str, library: LibraryArg = None) -> tuple[Side, Side]:
    """A and B: treaty ids of the library, or `.casus` files declaring one treaty each (two
    versions of the same treaty may share an id: each file replaces the library's treaty of
    that id for its own side)."""
    from engine.io.load import library_documents

    diags = Diagnostics()
    base_docs, lib_paths = library_documents(library, diags)  # `--with` files included
    file_docs: dict[str, A.Document] = {}
    for arg in (a, b):
        if Path(arg).is_file():
            got = parse_files([arg], diags)
            if got:
                file_docs[arg] = got[0]
    diags.raise_if_any()
    shared: Library | None = None
    sides = []
    for arg in (a, b):
        doc = file_docs.get(arg)
        if doc is None:
            if Path(arg).exists() or arg.endswith(".casus"):
                if not Path(arg).exists():
                    raise CasusError([Diagnostic(Span(arg, 1, 1, 1, 1), "E-FILE", "no such file")])
                raise usage_error(f"'{arg}' is not a file declaring a treaty")
            if shared is None:
                d2 = Diagnostics()
                shared, _ = check_documents(base_docs, d2, lib_paths)
                d2.raise_if_any()
            if arg not in shared.treaties:
                sugg = suggest(arg, shared.treaties)
                raise CasusError([Diagnostic(CLI, "E-UNKNOWN", f"unknown treaty '{arg}'", _hint(sugg), sugg)])
            sides.append(Side(arg, arg, shared, None))
            continue
        tids = [i.id for i in doc.items if isinstance(i, A.TreatyDecl)]
        if len(tids) != 1:
            raise usage_error(f"'{arg}' declares {len(tids)} treaties ({', '.join(tids) or 'none'}); "
                         "casus diff compares files that declare one treaty each")
        tid = tids[0]
        docs = []
        for d in base_docs:  # the file's treaty replaces the library's treaty of the same id
            items = tuple(i for i in d.items if not (isinstance(i, A.TreatyDecl) and i.id == tid))
            docs.append(A.Document(d.path, items))
        docs.append(doc)
        d2 = Diagnostics()
        for path, text in diags.lines.items():
            d2.add_source(path, text)
        lib, _ = check_documents(docs, d2, lib_paths)
        d2.raise_if_any()
        sides.append(Side(arg, tid, lib, display_path(arg)))
    return sides[0], sides[1]


def _hint(sugg: tuple[str, ...]) -> str | None:
    from engine.base.errors import did_you_mean

    return did_you_mean(sugg) or "'casus treaties' lists the library"


def parse_map(items: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        if item.count("=") != 1:
            raise usage_error(f"--map '{item}' should be X=Y", "for example: --map BY=KP")
        x, y = (s.strip() for s in item.split("="))
        if not (is_country(x) and is_country(y)):
            bad = x if not is_country(x) else y
            raise usage_error(f"--map '{item}': '{bad}' is not a party code (ISO 3166-1 alpha-2)")
        if x in out:
            raise usage_error(f"--map names '{x}' twice")
        if y in out.values():
            raise usage_error(f"--map maps two parties to '{y}'")
        out[x] = y
    return out


def check_options(a: Side, b: Side, action: str | None, max_facts: int, interpretation: str | None) -> str:
    """The interpretation's name, after checking it, the action and the bound."""
    name = interpretation or "default"
    if name not in a.lib.interpretations or name not in b.lib.interpretations:
        pool = set(a.lib.interpretations) & set(b.lib.interpretations)
        raise CasusError([Diagnostic(CLI, "E-UNKNOWN", f"unknown interpretation '{name}'",
                                     _hint(suggest(name, pool)), suggest(name, pool))])
    if action is not None:
        acts = {k for k, i in a.lib.kinds.items() if i.is_action} | {k for k, i in b.lib.kinds.items() if i.is_action}
        if action not in acts:
            raise CasusError([Diagnostic(CLI, "E-UNKNOWN", f"unknown action '{action}'",
                                         _hint(suggest(action, acts)), suggest(action, acts))])
    if max_facts < 0 or max_facts > 6:
        raise usage_error("--max-facts must be between 0 and 6")
    return name


def mapped_views(a: Side, b: Side, mapping: dict[str, str]) -> tuple[SideView, SideView]:
    """The two sides in A's names, after checking the mapping against the members."""
    ctx_a, ctx_b = static_context(a.treaty), static_context(b.treaty)
    mem_a, mem_b = ctx_a.members, ctx_b.members
    for x, y in mapping.items():
        if x not in mem_a:
            raise usage_error(f"--map {x}={y}: '{x}' is not a party to {a.tid}",
                              suggestions=suggest(x, mem_a))
        if y not in mem_b:
            raise usage_error(f"--map {x}={y}: '{y}' is not a party to {b.tid}",
                              suggestions=suggest(y, mem_b))
        if x in mem_b:
            raise usage_error(f"--map {x}={y}: '{x}' is a party to both treaties, so it maps to itself")
        if y in mem_a:
            raise usage_error(f"--map {x}={y}: '{y}' is a party to both treaties, so it maps to itself")
    inverse = {y: x for x, y in mapping.items()}
    for y in mem_b:
        if y not in inverse and y in mapping:
            raise usage_error(f"'{y}' is a party to {b.tid} and is mapped to {mapping[y]}: map {y} too")
    return SideView(a, "a", {}, {}, ctx_a), SideView(b, "b", dict(mapping), inverse, ctx_b)


__all__ = ["CLI", "check_options", "load_sides", "mapped_views", "parse_map", "usage_error"]
