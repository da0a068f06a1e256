"""`casus sweep`: a declared space of scenarios, enumerated and evaluated, tabulated as how often
and where each treaty's obligations activate.

A space is a JSON file (docs/formats.md):

    {
      "name": "Seed sweep",
      "treaties": ["ru_by_2024", "ru_kp_2024"],          # optional; every treaty by default
      "interpretation": "default",                        # optional; or a dimension of that name
      "dimensions": {"target": ["BY", "KP"], "request": [false, true], "date": ["2025-06-02"]},
      "template": [
        {"kind": "imminent_threat", "date": "{date}", "on": "{target}"},
        {"kind": "request", "date": "{date+1}", "from": "{target}", "for": "consult", "if": "request"}
      ]
    }

Every combination of the dimensions' values (itertools.product, in the order written, the last
dimension varying fastest) is one scenario: the template's events with `{name}` replaced by the
value (`{name+N}` / `{name-N}` shift a date by N days); an event with `"if": "name"` is kept
only when that value is true (`"unless": "name"`: only when false); a role whose value comes out
empty is left out. The dimension `interpretation`, if any, chooses the reading.

Points are evaluated in parallel (`workers` processes, engine/base/pool.py, or the workers of a
Dask cluster, engine/base/cluster.py); results come back in point order, so they are identical
whatever the number of workers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.base.errors import CasusError, Diagnostic, Diagnostics
from engine.base.limits import read_limited
from engine.base.pool import WorkerDied, Workers
from engine.base.source import Source, Span
from engine.core.evaluate import STATUS_ORDER, strength
from engine.core.statuses import outcomes
from engine.kernel.facts import Fact, Scenario
from engine.language.build import iso
from engine.language.library import Library

RECORD_COLUMNS = ["treaty", "provision", "article", "strength", "status", "activated", "instances",
                  "activated_instances", "first_activated", "beneficiaries", "bearers"]
RESERVED = set(RECORD_COLUMNS) | {"point", "scenario", "points", "share", "where"}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:([+-])(\d+))?\}")
_KEYS = {"name", "description", "treaties", "interpretation", "dimensions", "template"}


@dataclass(frozen=True)
class Space:
    name: str
    path: str
    dimensions: tuple[tuple[str, tuple[Any, ...]], ...]
    template: tuple[dict[str, Any], ...]
    treaties: tuple[str, ...] | None
    interpretation: str | None
    description: str | None = None

    @property
    def size(self) -> int:
        n = 1
        for _, values in self.dimensions:
            n *= len(values)
        return n

    def points(self) -> list[dict[str, Any]]:
        names = [n for n, _ in self.dimensions]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(v for _, v in self.dimensions))]


def _error(path: str, message: str, hint: str | None = None, line: int = 1, col: int = 1) -> CasusError:
    return CasusError([Diagnostic(Span(path, line, col, line, col + 1), "E-SPACE", message, hint)])


def load_space(path: str | Path) -> Space:
    """Read and check a space file's shape (the events are checked against the library later)."""
    p = str(path)
    try:
        text = read_limited(p).decode("utf-8")  # at most CASUS_MAX_INPUT_MB (engine/base/limits.py)
    except UnicodeDecodeError as e:
        raise _error(p, f"the space file is not UTF-8 text (byte offset {e.start})", "save it as UTF-8") from None
    except OSError as e:
        raise _error(p, f"cannot read the space file: {e.strerror}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise _error(p, f"not valid JSON: {e.msg}", "check for a missing comma, quote or bracket",
                     e.lineno, e.colno) from None
    if not isinstance(doc, dict):
        raise _error(p, "a space is a JSON object with 'dimensions' and 'template'")
    unknown = sorted(set(doc) - _KEYS)
    if unknown:
        raise _error(p, f"unknown key '{unknown[0]}'", f"a space has: {', '.join(sorted(_KEYS))}")
    dims = doc.get("dimensions")
    if not isinstance(dims, dict) or not dims:
        raise _error(p, "'dimensions' must be an object of name: [values]", 'for example {"target": ["BY", "KP"]}')
    out_dims = []
    for name, values in dims.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise _error(p, f"dimension name '{name}' must be a word (letters, digits, _)")
        if name in RESERVED:
            raise _error(p, f"dimension name '{name}' is taken by an output column", "choose another name")
        if not isinstance(values, list) or not values:
            raise _error(p, f"dimension '{name}' needs a non-empty list of values")
        for v in values:
            if not isinstance(v, (str, bool, int)) or v is None:
                raise _error(p, f"dimension '{name}': values are strings, numbers or true/false, not {json.dumps(v)}")
        if len(set(map(json.dumps, values))) != len(values):
            raise _error(p, f"dimension '{name}' lists a value twice")
        out_dims.append((name, tuple(values)))
    template = doc.get("template")
    if not isinstance(template, list) or not all(isinstance(e, dict) for e in template):
        raise _error(p, "'template' must be a list of events (objects with 'kind', 'date' and roles)")
    names = {n for n, _ in out_dims}
    for i, ev in enumerate(template):
        for key in ("if", "unless"):
            if key in ev and ev[key] not in names:
                raise _error(p, f"template[{i}]: '{key}' names no dimension: {json.dumps(ev[key])}")
        for k, v in ev.items():
            if k in ("if", "unless"):
                continue
            if v is not None and not isinstance(v, str):
                raise _error(p, f"template[{i}].{k} must be a string")
            for m in _PLACEHOLDER.finditer(v or ""):
                if m.group(1) not in names:
                    raise _error(p, f"template[{i}].{k}: {{{m.group(1)}}} is not a dimension",
                                 f"dimensions: {', '.join(sorted(names))}")
    treaties = doc.get("treaties")
    if treaties is not None and (not isinstance(treaties, list) or not all(isinstance(t, str) for t in treaties)):
        raise _error(p, "'treaties' must be a list of treaty ids")
    interp = doc.get("interpretation")
    if interp is not None and not isinstance(interp, str):
        raise _error(p, "'interpretation' must be a string")
    from engine.base.paths import display_path

    return Space(str(doc.get("name") or Path(p).stem), display_path(p), tuple(out_dims), tuple(template),
                 tuple(treaties) if treaties is not None else None, interp, doc.get("description"))


def _substitute(text: str, point: dict[str, Any], where: str, path: str) -> str:
    def repl(m: re.Match[str]) -> str:
        value = point[m.group(1)]
        if m.group(2):
            try:
                d = dt.date.fromisoformat(str(value))
            except ValueError:
                raise _error(path, f"{where}: {{{m.group(0)[1:-1]}}} shifts a value that is not a date: "
                                   f"{value!r}") from None
            try:
                if len(m.group(3)) > 7:  # past any date, and maybe past Python's int-string limit
                    raise OverflowError
                n = int(m.group(3))
                return (d + dt.timedelta(days=n if m.group(2) == "+" else -n)).isoformat()
            except OverflowError:
                shown = m.group(0) if len(m.group(0)) <= 40 else m.group(0)[:30] + "…}"
                raise _error(path, f"{where}: {shown} shifts {value} out of the calendar",
                             "dates run from 0001-01-01 to 9999-12-31") from None
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return _PLACEHOLDER.sub(repl, text)


def _truthy(v: Any) -> bool:
    return bool(v) and v not in ("false", "no", "0")


class _Events:
    """Template events for a point, each distinct event checked once against the library."""

    def __init__(self, lib: Library, space: Space):
        self.lib, self.space = lib, space
        self.cache: dict[str, Fact] = {}

    def facts(self, point: dict[str, Any]) -> tuple[Fact, ...]:
        out = []
        for i, ev in enumerate(self.space.template):
            if "if" in ev and not _truthy(point[ev["if"]]):
                continue
            if "unless" in ev and _truthy(point[ev["unless"]]):
                continue
            concrete: dict[str, Any] = {}
            for k, v in ev.items():
                if k in ("if", "unless"):
                    continue
                if v is None:
                    concrete[k] = None
                    continue
                s = _substitute(v, point, f"template[{i}].{k}", self.space.path)
                if s != "" or k in ("kind", "date"):
                    concrete[k] = s
            out.append(self._fact(i, concrete))
        return tuple(out)

    def _fact(self, i: int, event: dict[str, Any]) -> Fact:
        key = json.dumps([i, event], sort_keys=True)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        from engine.io.jsonscenario import parse_json_scenario
        from engine.kernel.facts import from_decl
        from engine.language.library import check_scenario

        where = f"{self.space.path} template[{i}]"
        text = json.dumps({"name": "event", "events": [event]}, ensure_ascii=False, indent=1)
        diags = Diagnostics()
        diags.add_source(where, text)
        try:
            decl = parse_json_scenario(Source(where, text), diags)
        except CasusError as e:
            diags.items.extend(e.diagnostics)
            decl = None
        if decl is not None:
            check_scenario(self.lib, decl, diags)
        diags.raise_if_any()
        assert decl is not None and len(decl.facts) == 1
        fact = dataclasses.replace(from_decl(decl).facts[0], source=f"{self.space.path}:template[{i}]")
        self.cache[key] = fact
        return fact


# ---------------------------------------------------------------------------- evaluation

_LIB: Library | None = None


def _init(library: Any) -> None:  # pragma: no cover - runs in the worker processes
    global _LIB
    if _LIB is None:
        from engine.io.load import load_library

        _LIB = load_library(library)


def _evaluate_points(jobs: list[tuple[int, Scenario, str | None, tuple[str, ...] | None]]
                     ) -> list[list[dict[str, Any]]]:
    assert _LIB is not None
    return _evaluate_points_of(_LIB, jobs)


def _evaluate_points_of(lib: Library, jobs: list[tuple[int, Scenario, str | None, tuple[str, ...] | None]]
                        ) -> list[list[dict[str, Any]]]:
    return [_evaluate_point(job, lib) for job in jobs]


def _evaluate_point(job: tuple[int, Scenario, str | None, tuple[str, ...] | None],
                    lib: Library | None = None) -> list[dict[str, Any]]:
    index, scenario, interpretation, treaties = job
    lib = lib if lib is not None else _LIB
    assert lib is not None
    out = []
    # (statuses only: from the compiled code where it can, engine/core/statuses.py)
    for treaty, instances in outcomes(lib, scenario, list(treaties) if treaties else None, interpretation):
        by_prov: dict[str, list[Any]] = {}
        for r in instances:
            by_prov.setdefault(r.provision.id, []).append(r)
        for p in treaty.provisions:
            if p.then is None or p.when is None:
                continue
            runs = by_prov.get(p.id, [])
            act = [r for r in runs if r.activated is not None]
            statuses = {r.status for r in runs}
            status = next((s for s in STATUS_ORDER if s in statuses), "dormant")
            first = min((r.activated for r in act), default=None)
            out.append({"point": index, "treaty": treaty.id, "provision": p.id, "article": p.article,
                        "strength": strength(p, lib), "status": status, "activated": bool(act),
                        "instances": len(runs), "activated_instances": len(act),
                        "first_activated": iso(first) or "",
                        "beneficiaries": " ".join(sorted({r.beneficiary for r in act})),
                        "bearers": " ".join(sorted({r.bearer for r in act}))})
    return out


@dataclass
class SweepResult:
    space: Space
    points: list[dict[str, Any]]
    records: list[dict[str, Any]]  # flat: point, the dimensions, then RECORD_COLUMNS

    @property
    def columns(self) -> list[str]:
        dims = [n for n, _ in self.space.dimensions]
        return ["point"] + dims + (["interpretation"] if "interpretation" not in dims else []) + RECORD_COLUMNS

    def summary(self) -> list[dict[str, Any]]:
        """Per provision: in how many points it activates, and where (for each dimension, the
        values seen among the activating points)."""
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in self.records:
            groups.setdefault((r["treaty"], r["provision"]), []).append(r)
        out = []
        for (treaty, provision), rs in groups.items():
            act = [r for r in rs if r["activated"]]
            row: dict[str, Any] = {"treaty": treaty, "provision": provision, "article": rs[0]["article"],
                                   "strength": rs[0]["strength"], "points": len(rs), "activated": len(act),
                                   "share": round(len(act) / len(rs), 4) if rs else 0.0}
            where = []
            narrowed: list[tuple[str, list[Any]]] = []
            for n, values in self.space.dimensions:
                seen = [v for v in values if any(r[n] == v for r in act)]
                row[n] = " ".join(_show(v) for v in seen)
                if act and len(seen) < len(values):
                    where.append(f"{n}={'|'.join(_show(v) for v in seen)}")
                    narrowed.append((n, seen))
            # how often, not "whenever": of the points with those values, how many activate it
            # (issue 16 item 4); the values alone do not say that they suffice
            such = [r for r in rs if all(r[n] in seen for n, seen in narrowed)]
            if act and where:
                row["where"] = f"{', '.join(where)} ({len(act)} of {len(such)} such points)"
            elif act and len(act) < len(rs):
                row["where"] = f"{len(act)} of {len(rs)} points, no one value decides"
            else:
                row["where"] = ""
            out.append(row)
        return out

    def summary_columns(self) -> list[str]:
        return (["treaty", "provision", "article", "strength", "points", "activated", "share"]
                + [n for n, _ in self.space.dimensions] + ["where"])


def _show(v: Any) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def run_space(lib: Library, space: Space, workers: int = 1, library: Any = None,
              progress: Callable[[int, int], None] | None = None, dask: str | None = None) -> SweepResult:
    """Enumerate and evaluate every point. `library` is what worker processes load (the
    bundled library when None) if they cannot inherit `lib`. `dask` (`--dask ADDRESS`): evaluate
    on the Dask cluster whose scheduler is at that address instead (engine/base/cluster.py), in
    blocks of points, `lib` sent to its workers; the result is the same."""
    global _LIB
    diags = Diagnostics()
    span = Span(space.path, 1, 1, 1, 1)
    for t in space.treaties or ():
        if t not in lib.treaties:
            diags.unknown(span, "treaty", t, lib.treaties)
    interps = dict(space.dimensions).get("interpretation", (space.interpretation,) if space.interpretation else ())
    for n in interps:
        if n not in lib.interpretations:
            diags.unknown(span, "interpretation", str(n), lib.interpretations)
    diags.raise_if_any()
    events = _Events(lib, space)
    points = space.points()
    jobs = []
    for k, point in enumerate(points, start=1):
        name = f"{space.name} #{k}"
        interp = point.get("interpretation", space.interpretation)
        jobs.append((k, Scenario(name, space.path, interp, events.facts(point)), interp, space.treaties))
    results: list[list[dict[str, Any]]] = []
    previous = _LIB
    _LIB = lib
    try:
        if dask is None and (workers <= 1 or len(jobs) <= 1):
            for n, job in enumerate(jobs, start=1):
                results.append(_evaluate_point(job))
                if progress:
                    progress(n, len(jobs))
        else:
            pool: Any
            fn: Callable[..., list[list[dict[str, Any]]]]
            if dask is not None:  # the library goes to the cluster once, not its files
                from engine.base.cluster import Cluster

                pool = Cluster(dask, lib)
                size, fn = pool.block, _evaluate_points_of
            else:
                pool = Workers(workers, _init, (library,))
                size, fn = max(1, len(jobs) // (workers * 8)), _evaluate_points
            chunks = ((jobs[i:i + size],) for i in range(0, len(jobs), size))
            with pool:
                for res in pool.ordered(fn, chunks):
                    for one in res:
                        results.append(one)
                        if progress:
                            progress(len(results), len(jobs))
    except WorkerDied as e:
        e.after = f"the sweep stopped after {len(results)} of {len(jobs)} points; nothing was written"
        raise
    finally:
        _LIB = previous
    records = []
    for point, recs in zip(points, results, strict=True):
        for r in recs:
            rec = {"point": r["point"], **point}
            if "interpretation" not in point:
                rec["interpretation"] = space.interpretation or "default"
            rec.update({c: r[c] for c in RECORD_COLUMNS})
            records.append(rec)
    return SweepResult(space, points, records)


# ---------------------------------------------------------------------------- output


def to_csv(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    import csv
    import io

    from engine.core.records import spreadsheet_cell

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _show(v) if isinstance(v, bool) else spreadsheet_cell(v) if isinstance(v, str) else v
                    for k, v in r.items()})
    return buf.getvalue()


def to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, indent=1, ensure_ascii=False) + "\n"


def to_table(result: SweepResult) -> str:
    s = result.space
    dims = ", ".join(f"{n} ({len(v)})" for n, v in s.dimensions)
    lines = [f"{s.name} — {s.path}", f"{s.size} scenarios: {dims}", ""]
    header = ["treaty", "art.", "provision", "strength", "activates", "share", "where"]
    body = []
    for r in result.summary():
        body.append([r["treaty"], r["article"], r["provision"], r["strength"], f"{r['activated']}/{r['points']}",
                     f"{r['share'] * 100:.0f}%", r["where"] or ("everywhere" if r["activated"] == r["points"] else
                                                                  "—" if not r["activated"] else "")])
    widths = [max(len(str(x[i])) for x in [header] + body) for i in range(len(header))]
    fmt = lambda row: "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip()  # noqa: E731
    lines += [fmt(header), fmt(["─" * w for w in widths])] + [fmt(b) for b in body]
    return "\n".join(lines) + "\n"


def progress_bar(stream: Any = None, clock: Callable[[], float] | None = None) -> Callable[[int, int], None]:
    """A one-line progress bar on stderr, with the rate and the time left (engine/base/progress.py,
    shared with `run --batch`; the CLI uses it only when stderr is a terminal)."""
    from engine.base.progress import Progress

    return Progress("sweep", stream) if clock is None else Progress("sweep", stream, clock=clock)


__all__ = ["Space", "load_space", "run_space", "SweepResult", "to_csv", "to_json", "to_table", "progress_bar",
           "RECORD_COLUMNS"]
