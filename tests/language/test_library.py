"""The bundled library: it loads, it has the firm treaty ids and dates of SPEC, and every
provision cites its article, says what it says and names a source."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine
from engine.base.paths import library_dir
from engine.language import ast as A
from engine.language.build import date_ordinal, iso

SPEC_TREATIES = ["anzus_1951", "cn_kp_1961", "csto_1992", "eu_teu_42_7", "nato_1949", "rio_1947", "ru_by_2024",
                 "ru_kp_2024", "us_jp_1960", "us_kr_1953", "us_ph_1951"]


def test_the_bundled_library_loads_without_errors(lib) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(lib, engine.Library)
    assert len(lib.files) == len(list(library_dir().rglob("*.casus")))


def test_all_eleven_treaty_ids_of_spec_exist(lib) -> None:  # type: ignore[no-untyped-def]
    assert sorted(lib.treaties) == SPEC_TREATIES


@pytest.mark.parametrize("tid", SPEC_TREATIES)
def test_every_provision_has_article_says_and_source(lib, tid: str) -> None:  # type: ignore[no-untyped-def]
    t = lib.treaties[tid]
    assert t.provisions, tid
    assert t.title and t.source and t.in_force is not None
    for p in t.provisions:
        assert p.article.strip(), (tid, p.id)
        assert p.says and len(p.says) > 20, (tid, p.id)
        assert p.source and p.source.strip(), (tid, p.id)
        assert p.when is not None and p.then is not None


@pytest.mark.parametrize("tid, in_force", [("ru_by_2024", "2025-03-13"), ("ru_kp_2024", "2024-12-04"),
                                           ("cn_kp_1961", "1961-09-10"), ("nato_1949", "1949-08-24"),
                                           ("csto_1992", "1994-04-20")])
def test_entry_into_force_dates_of_spec(lib, tid: str, in_force: str) -> None:  # type: ignore[no-untyped-def]
    assert iso(lib.treaties[tid].in_force) == in_force


def test_signature_dates_of_the_seed_treaties(lib) -> None:  # type: ignore[no-untyped-def]
    assert iso(lib.treaties["ru_by_2024"].signed) == "2024-12-06"
    assert iso(lib.treaties["ru_kp_2024"].signed) == "2024-06-19"


def membership(lib: engine.Library, tid: str, code: str) -> list[tuple[str | None, str | None]]:
    return [(iso(m.start), iso(m.end)) for m in lib.treaties[tid].members if m.party.code == code]


def test_nato_accession_dates(lib) -> None:  # type: ignore[no-untyped-def]
    assert membership(lib, "nato_1949", "FI") == [("2023-04-04", None)]
    assert membership(lib, "nato_1949", "SE") == [("2024-03-07", None)]
    assert membership(lib, "nato_1949", "US") == [(None, None)]  # a founding party
    assert len({m.party.code for m in lib.treaties["nato_1949"].members}) == 32


def test_nato_membership_changes_over_time(lib) -> None:  # type: ignore[no-untyped-def]
    nato = lib.treaties["nato_1949"]

    def members_on(day: str) -> set[str]:
        d = date_ordinal(day)
        return {m.party.code for m in nato.members if (m.start or 0) <= d and (m.end is None or d <= m.end)}

    assert "FI" not in members_on("2023-04-03") and "FI" in members_on("2023-04-04")
    assert "SE" not in members_on("2024-03-06") and "SE" in members_on("2024-03-07")
    assert len(members_on("2024-03-07")) == 32
    assert len(members_on("1949-08-24")) == 12


def test_seed_treaty_parties(lib) -> None:  # type: ignore[no-untyped-def]
    assert {m.party.code for m in lib.treaties["ru_by_2024"].members} == {"RU", "BY"}
    assert {m.party.code for m in lib.treaties["ru_kp_2024"].members} == {"RU", "KP"}


def test_spec_provisions_exist(lib) -> None:  # type: ignore[no-untyped-def]
    ids = {tid: {p.id for p in t.provisions} for tid, t in lib.treaties.items()}
    assert {"art3", "art4"} <= ids["ru_kp_2024"]
    assert {"art4", "art5"} <= ids["nato_1949"]
    assert "art4_2b" in ids["ru_by_2024"]
    art4 = next(p for p in lib.treaties["ru_kp_2024"].provisions if p.id == "art4")
    assert art4.article == "4"
    assert art4.then is not None and art4.then.modality == "obligation" and art4.then.action.kind == "assist"
    assert art4.upon is None
    art4_2b = next(p for p in lib.treaties["ru_by_2024"].provisions if p.id == "art4_2b")
    assert art4_2b.article == "4(2)(b)"
    assert art4_2b.upon is not None  # on official request (and agreement of heads of state)


def test_nato_art5_has_the_art6_scope_discretion_and_unsc_discharge(lib) -> None:  # type: ignore[no-untyped-def]
    nato = lib.treaties["nato_1949"]
    art5 = next(p for p in nato.provisions if p.id == "art5")
    assert ("nato_1949", "art6") in lib.scopes
    assert isinstance(art5.until, A.Occurred) and art5.until.atom.kind == "unsc_measures"
    assert art5.then is not None
    assert "as_it_deems_necessary" in [q.value for q in art5.then.qualifiers]
    scope = lib.scopes[("nato_1949", "art6")]
    assert scope.contains("PL") and scope.contains("US-CA") and scope.contains("TR")
    assert not scope.contains("US-HI") and not scope.contains("JP")


def test_interpretations_default_and_ru_claims(lib) -> None:  # type: ignore[no-untyped-def]
    assert {"default", "ru_claims"} <= set(lib.interpretations)
    default = lib.interpretations["default"]
    assert default.reassignments == () and default.timing == ()  # nothing violated without `within N days`
    claims = lib.interpretations["ru_claims"]
    crimea = [r for r in claims.reassignments if "UA-43" in {t.code for t in r.territories}]
    assert len(crimea) == 1
    assert crimea[0].to.code == "RU" and iso(crimea[0].start) == "2014-03-18"


def test_standard_vocabulary_names_and_is_a(lib) -> None:  # type: ignore[no-untyped-def]
    spec = {"encroachment", "threat", "imminent_threat", "aggression", "armed_attack", "sanctions",
            "state_of_war", "request", "agreement", "consult", "assist", "countermeasures", "deploy",
            "unsc_measures", "provocation", "withdrawal"}
    assert spec <= set(lib.kinds)
    # SPEC (firm): aggression is-a encroachment, threat; the closure lists each ancestor once,
    # each before its own parents (threat before encroachment)
    assert lib.kinds["aggression"].parents == ("encroachment", "threat")
    assert lib.kinds["armed_attack"].ancestors == ("armed_attack", "aggression", "threat", "encroachment")
    assert "armed_attack" in lib.descendants("threat") and "aggression" in lib.descendants("threat")
    assert lib.kinds["imminent_threat"].ancestors == ("imminent_threat", "threat", "encroachment")
    assert lib.kinds["sanctions"].ancestors == ("sanctions", "encroachment")
    assert {k for k, i in lib.kinds.items() if i.is_action} >= {"consult", "assist", "countermeasures", "deploy"}
    assert "terrorist_group" in lib.actors
    roles = lib.kinds["aggression"].roles
    assert {r: (d.optional, d.type) for r, d in roles.items()} == {
        "by": (True, "party"), "on": (False, "party"), "at": (True, "place"), "against": (True, "target")}


def test_spec_regions_exist(lib) -> None:  # type: ignore[no-untyped-def]
    assert {"europe", "north_america", "pacific", "americas"} <= set(lib.regions)
    assert lib.regions["europe"].contains("UA-43")
    assert not lib.regions["north_america"].contains("US-HI")


def test_casus_treaties_lists_eleven_lines(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("treaties")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 11
    assert [line.split()[0] for line in lines] == SPEC_TREATIES
    nato = next(line for line in lines if line.startswith("nato_1949"))
    assert "in force 1949-08-24" in nato and "32 members" in nato and "North Atlantic Treaty" in nato


def test_casus_check_on_the_bundled_library(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("check")
    assert result.exit_code == 0
    assert result.stdout.startswith("ok: ")
    assert "11 treaties" in result.stdout


def test_library_order_of_files_does_not_matter(lib) -> None:  # type: ignore[no-untyped-def]
    files = sorted(str(p) for p in library_dir().rglob("*.casus"))
    again = engine.load_library(list(reversed(files)))
    assert sorted(again.treaties) == sorted(lib.treaties)
    assert set(again.kinds) == set(lib.kinds)
    assert again.scopes.keys() == lib.scopes.keys()


def test_every_library_file_is_named_by_its_short_path(lib) -> None:  # type: ignore[no-untyped-def]
    assert all(f.startswith("obligations/") for f in lib.files)
    assert all(Path(f).suffix == ".casus" for f in lib.files)


SEVERAL = """
vocabulary v {
  kind a(on: party)
  kind b(on: party) is a
  kind c(on: party)
  kind d(on: party) is c, b
  kind e(on: party) is d, a
}
"""


def test_several_parents_closure_is_a_topological_order(write) -> None:  # type: ignore[no-untyped-def]
    lib = engine.load([write("v.casus", SEVERAL)])[0]
    assert lib.kinds["d"].ancestors == ("d", "c", "b", "a")
    # every ancestor once (a is reached through d and directly), each before its parents
    assert lib.kinds["e"].ancestors == ("e", "d", "c", "b", "a")
    assert lib.descendants("a") == frozenset({"a", "b", "d", "e"})


def test_several_parents_cycle_is_named(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("v.casus", "vocabulary v {\n  kind a(on: party) is c\n  kind b(on: party) is a\n"
                         "  kind c(on: party) is d, b\n  kind d(on: party)\n}\n")
    r = cli("check", p)
    assert r.exit_code == 2
    line = next(x for x in r.stderr.splitlines() if "E-CYCLE" in x)
    assert line.startswith(f"{p}:2:3: E-CYCLE")
    assert line.endswith("kind 'a' is its own ancestor: a is c is b is a")
