"""Offline extraction of candidate organizations, links and numeric claims from report texts.

``extract_files(paths, graph=...)`` reads .txt/.md/.docx reports and returns an
:class:`Extraction`: three tables of candidates (``orgs``, ``links``, ``numbers``), each row with
file, paragraph, character offsets, the rule that found it and a confidence, for people to
review (:mod:`.review`) and turn into ledger rows (:mod:`.apply`). With a graph, organization
names are resolved against its roster (:mod:`.gazetteer`) and numeric claims are checked
against the graph's own figures (:mod:`.claims`). Rules only; nothing is downloaded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..core.model import Graph

__all__ = ["Extraction", "extract_files", "extract_text"]


@dataclass
class Extraction:
    """Candidates found in a set of reports.

    ``texts`` maps file → list of (paragraph number, original paragraph text) for the HTML view.
    """

    orgs: pd.DataFrame
    links: pd.DataFrame
    numbers: pd.DataFrame
    claims: pd.DataFrame | None
    texts: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    chars: int = 0


def _sentence_of(text: str, start: int) -> str:
    from .links import split_sentences

    for s, e in split_sentences(text):
        if s <= start < e:
            return text[s:e]
    return text


def extract_text(text: str, *, file: str = "", para: int = 1) -> dict[str, list[dict[str, Any]]]:
    """Extract the candidates of one paragraph (a convenience for tests and notebooks).

    Examples
    --------
    >>> r = extract_text("组建12个联村党组织,覆盖51个行政村。")
    >>> [(n["value"], n["category"]) for n in r["numbers"]]
    [(12.0, '联村党组织数'), (51.0, '覆盖村数')]
    """
    from ._normalize import normalize
    from .links import find_links
    from .numbers import find_numbers
    from .orgs import OrgMention, find_orgs

    norm = normalize(text)
    orgs = find_orgs(norm, para)
    links = find_links(norm, para, orgs)
    nums = find_numbers(norm, para)
    in_links = {m for c in links for m in c.members}
    # bare villages sharing 村 are organizations only as link members ("覆盖张湾、李湾等12个村" names places)
    orgs = [o for o in orgs if o.rule != "shared_head_village" or o.name in in_links]
    known = {o.name for o in orgs}
    for c in links:  # bare village names that are link members are organization mentions too
        for name, kind, (s, e) in zip(c.members, c.member_kinds, c.member_spans):
            if name not in known:
                known.add(name)
                orgs.append(OrgMention(para, s, e, norm[s:e], name, "", kind or "村", "村", "bare_village", 0.6))
    orgs.sort(key=lambda o: o.start)
    return {
        "orgs": [dict(file=file, para=para, start=o.start, end=o.end, surface=text[o.start:o.end], name=o.name,
                      form=o.form, kind=o.kind, level=o.level, rule=o.rule, confidence=o.confidence, note=o.note)
                 for o in orgs],
        "links": [dict(file=file, para=para, start=c.start, end=c.end, surface=text[c.start:c.end], type=c.type,
                       group=c.group, members=list(c.members), member_kinds=list(c.member_kinds), lead=c.lead,
                       strong=c.strong, weak=c.weak, form=c.form, chain=c.chain, stages=list(c.stages), date=c.date,
                       attending=list(c.attending), rule=c.rule, confidence=c.confidence, note=c.note)
                  for c in links],
        "numbers": [dict(file=file, para=para, start=n.start, end=n.end, surface=text[n.start:n.end], value=n.value,
                         bound=n.bound, unit=n.unit, what=n.what, category=n.category, kind=n.kind, rule=n.rule,
                         confidence=n.confidence, sentence=_sentence_of(norm, n.start))
                    for n in nums],
    }


def _apply_aliases(found: dict[str, list[dict[str, Any]]], paragraphs: dict[int, str]) -> None:
    """Give the short names of one file ("县供销社党组", "县直工委") the full name they abbreviate.

    The mention keeps its surface; its note says which full name it was read as, for review.
    """
    from .orgs import declared_aliases, resolve_aliases

    mentions = [(o["name"], paragraphs.get(o["para"], "")[o["end"]:o["end"] + 16]) for o in found["orgs"]]
    alias = resolve_aliases(mentions)
    # a short form declared for a unit ("区住房和城乡建设局(简称“区住建局”)") also stands for the unit's
    # party organizations: 区住建局机关党支部 is 区住房和城乡建设局机关党支部
    declared: dict[str, str] = {}
    for n in sorted(paragraphs):
        for short, full in declared_aliases(paragraphs[n]).items():
            declared.setdefault(short, full)
    for o in found["orgs"]:
        for short, full in declared.items():
            if o["name"].startswith(short) and o["name"] not in alias:
                alias[o["name"]] = full + o["name"][len(short):]
    if not alias:
        return
    fields = {o["name"]: (o["form"], o["kind"], o["level"]) for o in found["orgs"]}
    for o in found["orgs"]:
        if o["name"] in alias:
            full = alias[o["name"]]
            if full in fields:  # the short form is the same organization: its form, kind and level too
                o["form"], o["kind"], o["level"] = fields[full]
            o["note"] = "；".join(x for x in (o["note"], f"简称,按全称 {full} read as the full name {full}") if x)
            o["name"] = full
    for c in found["links"]:
        c["members"] = list(dict.fromkeys(alias.get(m, m) for m in c["members"]))
        c["member_kinds"] = c["member_kinds"][:len(c["members"])]
        for key in ("lead", "strong", "weak", "group"):
            c[key] = alias.get(c[key], c[key])
        c["attending"] = [alias.get(a, a) for a in c["attending"]]


def extract_files(paths: list[str] | tuple[str, ...], *, graph: Graph | None = None) -> Extraction:
    """Extract candidates from report files and folders.

    Parameters
    ----------
    paths
        .txt/.md/.docx files or folders of them.
    graph
        A built graph: resolves organization names to roster ids and checks numeric claims.

    Raises
    ------
    LedgerError
        A file is missing, unreadable or of another kind.
    """
    import pandas as pd

    from ._docs import collect_files, read_report
    from ._normalize import normalize
    from .links import fill_chain_context

    rows: dict[str, list[dict[str, Any]]] = {"orgs": [], "links": [], "numbers": []}
    texts: dict[str, list[tuple[int, str]]] = {}
    chars = 0
    for path in collect_files(list(paths)):
        report = read_report(path)
        name = report.file
        texts[name] = list(report.paragraphs)
        chars += report.chars
        found_file: dict[str, list[dict[str, Any]]] = {"orgs": [], "links": [], "numbers": []}
        for n, para in report.paragraphs:
            found = extract_text(para, file=name, para=n)
            for key in rows:
                found_file[key].extend(found[key])
        _apply_aliases(found_file, dict(report.paragraphs))
        if any(lk["type"] == "链上联建" and not (lk["chain"] and lk["stages"]) for lk in found_file["links"]):
            fill_chain_context([(n, normalize(t)) for n, t in report.paragraphs], found_file["links"])
        for key in rows:
            rows[key].extend(found_file[key])
    orgs = pd.DataFrame(rows["orgs"], columns=["file", "para", "start", "end", "surface", "name", "form", "kind", "level",
                                                "rule", "confidence", "note"])
    links = pd.DataFrame(rows["links"], columns=["file", "para", "start", "end", "surface", "type", "group", "members",
                                                  "member_kinds", "lead", "strong", "weak", "form", "chain", "stages",
                                                  "date", "attending", "rule", "confidence", "note"])
    numbers = pd.DataFrame(rows["numbers"], columns=["file", "para", "start", "end", "surface", "value", "bound", "unit",
                                                      "what", "category", "kind", "rule", "confidence", "sentence"])
    orgs.insert(0, "row_id", [f"O{i + 1}" for i in range(len(orgs))])
    links.insert(0, "row_id", [f"L{i + 1}" for i in range(len(links))])
    numbers.insert(0, "row_id", [f"N{i + 1}" for i in range(len(numbers))])
    claims = None
    if graph is not None:
        from .claims import check_claims
        from .gazetteer import Gazetteer

        gaz = Gazetteer.from_graph(graph)
        res = [gaz.resolve(n) for n in orgs["name"]]
        orgs["roster_id"] = [r[0] for r in res]
        orgs["candidates"] = ["、".join(r[1]) for r in res]
        claims = check_claims(numbers, graph)
    else:
        orgs["roster_id"] = ""
        orgs["candidates"] = ""
    return Extraction(orgs=orgs, links=links, numbers=numbers, claims=claims, texts=texts, chars=chars)
