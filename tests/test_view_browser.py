"""The HTML views in a real browser: headless Debian Chromium driven by Playwright, network blocked.

Each view kind is opened from its file with every other request aborted *and counted*, and the
test asserts: no request but the file itself, no console error, a vis-network canvas, as many
nodes and edges in the page's DataSet as the graph says, search by Chinese name selects the org,
unticking a link type hides exactly its edges, tooltips appear on hover. A hostile org name must
render as text. A PNG per view goes to ``test-artifacts/views/``.

The province-scale graph is the sample county tiled 352 times (≈200,000 orgs, ≈3,500 towns):
province-shaped, built in seconds instead of generating and loading ledgers for minutes.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import graphkit as gk
from graphkit.analyses.pairing import pairing_gaps
from graphkit.views.view import view

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND"]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "views"
HOSTILE = "<img src=x onerror=alert(1)><script>window.__pwned=1</script>"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} not installed (scripts/setup.sh --browser installs Debian's chromium)"),
]


# ---- browser plumbing -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1400, "height": 900}, locale="zh-CN", offline=True)
        yield ctx
        ctx.close()


class Opened:
    """A page opened from a file, with everything it tried to load and print."""

    def __init__(self, ctx, path: Path, *, timeout: float = 90_000) -> None:
        self.url = path.resolve().as_uri()
        self.requests: list[str] = []
        self.aborted: list[str] = []
        self.console: list[tuple[str, str]] = []
        self.dialogs: list[str] = []
        page = ctx.new_page()
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.console.append((m.type, m.text)))
        page.on("pageerror", lambda e: self.console.append(("pageerror", str(e))))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

        def route(r):
            if r.request.url == self.url:
                r.continue_()
            else:
                self.aborted.append(r.request.url)
                r.abort()
        page.route("**/*", route)
        page.goto(self.url)
        page.wait_for_function("window.gkView && window.gkView.ready === true", timeout=timeout)
        self.page = page

    @property
    def other_requests(self) -> list[str]:
        return sorted({u for u in self.requests + self.aborted if u != self.url})

    @property
    def errors(self) -> list[tuple[str, str]]:
        return [c for c in self.console if c[0] in ("error", "pageerror")]

    def counts(self) -> tuple[int, int]:
        return tuple(self.page.evaluate("[gkView.nodes.length, gkView.edges.length]"))

    def search(self, text: str) -> list[str]:
        self.page.fill("#gk-search", text)
        self.page.press("#gk-search", "Enter")
        return self.page.evaluate("gkView.network.getSelectedNodes()")

    def hover(self, node_id: str) -> str:
        """Move the mouse onto a node; return the tooltip's text."""
        xy = self.page.evaluate(
            "(id) => gkView.network.canvasToDOM(gkView.network.getPositions([id])[id])", node_id)
        box = self.page.locator("#gk-network").bounding_box()
        self.page.mouse.move(box["x"] + xy["x"] + 1, box["y"] + xy["y"] + 1)
        self.page.wait_for_selector("#gk-tip:not([hidden])", timeout=10_000)
        return self.page.inner_text("#gk-tip")

    def hidden_edges(self) -> int:
        return self.page.evaluate("gkView.edges.get({filter: e => e.hidden === true}).length")

    def close(self) -> None:
        self.page.close()


def check_page(o: Opened, *, nodes: int, edges: int, search_name: str, search_id: str, shot: str) -> None:
    """The checks every view passes."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    o.page.screenshot(path=str(ARTIFACTS / f"{shot}.png"))
    assert o.other_requests == [], o.other_requests
    assert o.errors == [], o.errors
    assert o.page.locator("#gk-network canvas").count() == 1
    assert o.counts() == (nodes, edges)
    # search by Chinese name selects it and lists it
    assert search_id in o.search(search_name)
    assert search_name in o.page.inner_text("#gk-results")
    # the tooltip shows the facts as text
    assert search_name in o.hover(search_id)
    # toggling a link type hides exactly its edges, and shows them again
    groups = o.page.evaluate("gkView.data.groups")
    if groups:
        gi, g = max(enumerate(groups), key=lambda t: t[1]["count"])
        in_group = o.page.evaluate("(gi) => gkView.data.edges.filter(e => e.g === gi).length", gi)
        assert in_group > 0
        box = o.page.locator(f'input[data-group="{gi}"]')
        box.uncheck()
        assert o.hidden_edges() == in_group
        box.check()
        assert o.hidden_edges() == 0
    # nothing asked to load anything during the interaction either
    assert o.other_requests == [] and o.errors == []
    assert o.dialogs == []


# ---- expected counts, worked out from the tables ----------------------------------------------------

def _active(df: pd.DataFrame, ts: pd.Timestamp) -> pd.DataFrame:
    s, e = pd.to_datetime(df["start"]), pd.to_datetime(df["end"])
    return df[(s.isna() | (s <= ts)) & (e.isna() | (e >= ts))]


def expected_county(g: gk.Graph, ts: pd.Timestamp) -> tuple[int, int]:
    orgs = g.tables["Organization"]
    collabs = _active(g.tables["Collaboration"], ts)
    mem = _active(g.tables["Membership"], ts)
    mem = mem[mem["organization"].isin(set(collabs["id"]))]
    pairs = _active(g.tables["Pairing"], ts)
    n = len(orgs) + mem["organization"].nunique()
    e = int(orgs["parent"].notna().sum()) + len(mem) + len(pairs)
    return n, e


def expected_district(g: gk.Graph, ts: pd.Timestamp, name: str) -> tuple[int, int]:
    c = g.tables["Collaboration"].set_index("name").loc[name]
    mem = _active(g.tables["Membership"], ts)
    members = set(mem.loc[mem["organization"] == c["id"], "member"])
    acts = g.tables["Activity"]
    acts = acts[(acts["group"] == c["id"]) & (acts["date"] > ts - pd.DateOffset(years=1)) & (acts["date"] <= ts)]
    act_ids = set(acts["id"])
    orgs = g.tables["Organization"]
    part = g.tables["Participation"]
    pairs = _active(g.tables["Pairing"], ts)
    posts = _active(g.tables["Post"], ts)
    n = 1 + len(members) + 1 + len(act_ids)
    e = (len(members) + 1 + len(act_ids) + int(acts["host"].isin(members).sum())
         + int((part["org"].isin(members) & part["activity"].isin(act_ids)).sum())
         + int((orgs["id"].isin(members) & orgs["parent"].isin(members)).sum())
         + int((pairs["strong"].isin(members) & pairs["weak"].isin(members)).sum())
         + int(((posts["person"] == c["guide"]) & posts["org"].isin(members)).sum()))
    return n, e


def expected_chain(g: gk.Graph, ts: pd.Timestamp, chain: str) -> tuple[int, int]:
    ch = g.tables["IndustryChain"].set_index("name").loc[chain, "id"]
    stages = g.tables["ChainStage"][g.tables["ChainStage"]["chain"] == ch]
    collabs = _active(g.tables["Collaboration"], ts)
    collabs = collabs[collabs["chain"] == ch]
    mem = _active(g.tables["Membership"], ts)
    mem = mem[mem["organization"].isin(set(collabs["id"]))]
    members = set(mem["member"])
    orgs = g.tables["Organization"]
    pairs = _active(g.tables["Pairing"], ts)
    n = 1 + len(stages) + len(collabs) + len(members)
    e = (len(stages) + len(collabs) + len(mem) + int((orgs["id"].isin(members) & orgs["parent"].isin(members)).sum())
         + int((pairs["strong"].isin(members) & pairs["weak"].isin(members)).sum()))
    return n, e


def expected_pairing(g: gk.Graph, ts: pd.Timestamp) -> tuple[int, int]:
    p = g.tables["Pairing"]
    p = p[p["start"].isna() | (p["start"] <= ts)]
    unpaired = set(pairing_gaps(g, as_of=ts)["unpaired_weak"]["org_id"])
    return len(set(p["strong"]) | set(p["weak"]) | unpaired), len(p)


# ---- the sample county, every kind -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def ts(sample_graph) -> pd.Timestamp:
    from graphkit.analyses.toolkit import reference_date
    return reference_date(sample_graph)


KIND_CASES = {
    "county": (None, "示例县农业农村局党委"),
    "district": ("第八片区", "示例县农业农村局党委"),
    "chain": ("蚕桑", "示例县科协机关党支部"),
    "pairing": (None, "示例县农业农村局党委"),
    "org": ("示例县农业农村局党委", "示例县农业农村局党委"),
    "cluster": (None, "示例县农业农村局党委"),
}


@pytest.mark.parametrize("kind", list(KIND_CASES))
def test_each_kind_in_the_browser(browser, sample_graph, ts, tmp_path, kind):
    name, org_name = KIND_CASES[kind]
    v = view(sample_graph, kind=kind, name=name)
    path = v.write(tmp_path / f"{kind}.html")
    expected = {"county": lambda: expected_county(sample_graph, ts),
                "district": lambda: expected_district(sample_graph, ts, name),
                "chain": lambda: expected_chain(sample_graph, ts, name),
                "pairing": lambda: expected_pairing(sample_graph, ts)}.get(kind, lambda: (len(v.nodes), len(v.edges)))()
    assert (len(v.nodes), len(v.edges)) == expected
    org_id = sample_graph.orgs.set_index("name").loc[org_name, "id"]
    o = Opened(browser, path)
    try:
        check_page(o, nodes=expected[0], edges=expected[1], search_name=org_name, search_id=org_id, shot=kind)
    finally:
        o.close()


def test_request_counting_can_fail(browser, tmp_path):
    """The blocking route really sees (and stops) a request that leaves the file."""
    p = tmp_path / "leaky.html"
    p.write_text('<!DOCTYPE html><meta charset="utf-8"><img src="https://cdn.example.com/x.png">'
                 "<script>window.gkView = {ready: true};</script>", encoding="utf-8")
    o = Opened(browser, p)
    try:
        o.page.wait_for_timeout(300)
        assert o.other_requests == ["https://cdn.example.com/x.png"]
    finally:
        o.close()


def test_hostile_name_renders_as_text(browser, tmp_path):
    from test_view import HOSTILE as H, hand_graph

    assert H == HOSTILE
    g = hand_graph(hostile=True)
    path = view(g, kind="county", as_of="2024-06-30").write(tmp_path / "hostile.html")
    o = Opened(browser, path)
    try:
        assert o.page.evaluate("typeof window.__pwned") == "undefined"
        assert o.dialogs == [] and o.errors == [] and o.other_requests == []
        assert o.page.locator("#gk-network img, #gk-tip img, aside img").count() == 0
        # search by the literal text finds it, and the tooltip shows the name as typed
        assert o.search("<img src=x") == ["V3"]
        assert HOSTILE in o.hover("V3")
        assert HOSTILE in o.page.inner_text("#gk-selected")
        assert o.page.locator("#gk-tip script, #gk-selected script, #gk-results script").count() == 0
        o.page.screenshot(path=str(ARTIFACTS / "hostile.png"))
        assert o.page.evaluate("typeof window.__pwned") == "undefined" and o.dialogs == []
    finally:
        o.close()


def test_sample_county_usable_offline(browser, sample_graph, tmp_path):
    """Network disabled: the legend, search, toggles and tooltips all work."""
    path = view(sample_graph, kind="county", color_by="mechanism").write(tmp_path / "offline.html")
    o = Opened(browser, path)
    try:
        assert o.page.evaluate("navigator.onLine") is False
        legend = o.page.inner_text("#gk-legend")
        assert "片区" in legend and "一类" in legend and "三类" in legend
        toggles = o.page.locator("#gk-toggles input[type=checkbox]")
        assert toggles.count() == 3  # 隶属, 联建成员, 结对
        assert "第八片区" in o.page.evaluate("gkView.nodes.get().map(n => n.nm).join('|')")
        hits = o.search("第八片区")
        assert len(hits) == 1
        assert "第八片区" in o.hover(hits[0])
        o.page.click("#gk-fit")
        assert o.errors == [] and o.other_requests == []
        o.page.screenshot(path=str(ARTIFACTS / "county-offline.png"))
    finally:
        o.close()


def test_aggregated_sample_and_drilldown_in_the_browser(browser, sample_graph, tmp_path):
    v = view(sample_graph, kind="county", max_nodes=150)
    path = v.write(tmp_path / "agg.html")
    towns = sample_graph.orgs["town"]
    assert len(v.nodes) == towns.nunique() + int(towns.isna().any())
    o = Opened(browser, path)
    try:
        check_page(o, nodes=len(v.nodes), edges=len(v.edges), search_name="枫林镇",
                   search_id=next(n["id"] for n in v.nodes if n["nm"] == "枫林镇"), shot="county-aggregated")
        href = o.page.evaluate("gkView.nodes.get().find(n => n.nm === '枫林镇').href")
        target = (path.parent / href.split("#")[0]).resolve()
        assert target.exists()
    finally:
        o.close()
    d = Opened(browser, target)
    try:
        assert d.errors == [] and d.other_requests == []
        names = d.page.evaluate("gkView.nodes.get().map(n => n.nm)")
        assert any(n.startswith("枫林镇") for n in names)
        assert d.page.evaluate("gkView.data.back") == "../agg.html"
        d.page.screenshot(path=str(ARTIFACTS / "county-drilldown.png"))
    finally:
        d.close()


# ---- province scale ---------------------------------------------------------------------------------------------

def tile_graph(g: gk.Graph, copies: int) -> gk.Graph:
    """``copies`` renamed copies of a county as one province-sized graph (ids and names made unique)."""
    model = g.model
    tables = {}
    for rtype in model:
        t = g.tables[rtype.name]
        refs = [p for p, prop in rtype.properties.items() if prop.type == "ref"]
        named = "name" in rtype.properties and rtype.name in ("Organization", "Place", "Collaboration")
        n = len(t)
        rep = t.loc[t.index.repeat(copies)].reset_index(drop=True) if n else t.copy()
        k = np.tile(np.arange(copies), n) if n else np.zeros(0, dtype=int)
        tag = pd.Series(k, dtype="int64").astype(str).str.zfill(3).to_numpy(dtype=object)
        for col in ["id", *refs]:
            vals = rep[col].to_numpy(dtype=object)
            present = pd.notna(vals)
            out = np.full(len(vals), None, dtype=object)
            out[present] = vals[present] + "~" + tag[present]
            rep[col] = out
        if named and n:
            rep["name"] = "县" + tag + rep["name"].astype(str).to_numpy(dtype=object)
        tables[rtype.name] = rep
    return gk.Graph(tables, model=model, settings={"county": "合成省"})


@pytest.fixture(scope="module")
def province(sample_graph) -> gk.Graph:
    copies = int(os.environ.get("GRAPHKIT_VIEW_PROVINCE_COPIES", "352"))
    return tile_graph(sample_graph, copies)


@pytest.mark.slow
def test_province_scale_aggregated_view(browser, province, tmp_path):
    assert province.count("Organization") >= 190_000
    v = view(province, kind="county")
    assert v.aggregated and len(v.nodes) <= 3000
    path = v.write(tmp_path / "province.html", drilldown=False)
    town = next(n for n in v.nodes if n["nm"].startswith("县007"))
    o = Opened(browser, path, timeout=120_000)
    try:
        check_page(o, nodes=len(v.nodes), edges=len(v.edges), search_name=town["nm"], search_id=town["id"],
                   shot="province-aggregated")
        assert o.page.evaluate("gkView.renderMs") < 20_000
    finally:
        o.close()
    # one drill-down page, written as the overview links it
    page = v.pages[0]
    sub = page.build()
    assert len(sub.nodes) <= 3000
    (tmp_path / "province_parts").mkdir()
    sub_path = tmp_path / "province_parts" / page.filename
    sub.back = "../province.html"
    sub_path.write_text(sub.html, encoding="utf-8")
    d = Opened(browser, sub_path, timeout=120_000)
    try:
        org = next(n for n in sub.nodes if sub.meta["types"][n["t"]] == "Organization")
        check_page(d, nodes=len(sub.nodes), edges=len(sub.edges), search_name=org["nm"], search_id=org["id"],
                   shot="province-drilldown")
    finally:
        d.close()


def test_notebook_iframe_renders(browser, sample_graph, tmp_path):
    """What JupyterLab / VS Code show: the page inside an ``<iframe srcdoc>`` (sandboxed)."""
    v = view(sample_graph, kind="district", name="第八片区")
    host = tmp_path / "notebook.html"
    host.write_text(f'<!DOCTYPE html><meta charset="utf-8"><div class="output">{v._repr_html_()}</div>',
                    encoding="utf-8")
    page = browser.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(host.resolve().as_uri())
        frame = page.frames[1]
        frame.wait_for_function("window.gkView && window.gkView.ready === true", timeout=60_000)
        assert frame.evaluate("[gkView.nodes.length, gkView.edges.length]") == [len(v.nodes), len(v.edges)]
        assert frame.locator("#gk-network canvas").count() == 1
        assert errors == []
        assert [u for u in requests if not u.startswith("file:") and u != "about:srcdoc"] == []
        page.screenshot(path=str(ARTIFACTS / "notebook-iframe.png"))
    finally:
        page.close()


# ---- what a county official sees: names readable, none hidden or overlapping (issue 19) -------------

_LABEL_BOXES = """() => {
  const net = gkView.network, el = document.getElementById('gk-network');
  return gkView.nodes.getIds().map(id => {
    const b = net.getBoundingBox(id), a = net.canvasToDOM({x: b.left, y: b.top}), z = net.canvasToDOM({x: b.right, y: b.bottom});
    return {id: id, nm: gkView.nodes.get(id).nm, l: a.x, t: a.y, r: z.x, b: z.y, w: el.clientWidth, h: el.clientHeight};
  });
}"""


def test_county_view_names_its_town_circles(browser, sample_graph, tmp_path):
    path = view(sample_graph, kind="county").write(tmp_path / "county.html")
    o = Opened(browser, path)
    try:
        drawn = o.page.evaluate("gkView.drawnLabels()")
        places = sample_graph.tables["Place"].set_index("id")["name"]
        towns = {places[t] for t in sample_graph.orgs["town"].dropna().unique()}
        assert towns <= set(drawn), sorted(towns - set(drawn))
        assert any("直属" in d for d in drawn)  # the county-level group is named too
        inside = o.page.evaluate("""() => gkView.data.groupLabels.map(g => {
            const p = gkView.network.canvasToDOM({x: g.x, y: g.y}), el = document.getElementById('gk-network');
            return p.x > 0 && p.x < el.clientWidth && p.y > 0 && p.y < el.clientHeight; })""")
        assert all(inside)
        assert o.page.evaluate("gkView.nodes.length") == len(view(sample_graph, kind="county").nodes)  # labels are no nodes
        o.page.screenshot(path=str(ARTIFACTS / "county-town-names.png"))
    finally:
        o.close()


def test_pairing_view_labels_do_not_overlap(browser, sample_graph, tmp_path):
    path = view(sample_graph, kind="pairing").write(tmp_path / "pairing.html")
    o = Opened(browser, path)
    try:
        boxes = o.page.evaluate(_LABEL_BOXES)
        overlaps = [(a["nm"], b["nm"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                    if a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]]
        assert overlaps == [], overlaps[:5]
        o.page.screenshot(path=str(ARTIFACTS / "pairing-labels.png"))
    finally:
        o.close()


@pytest.mark.parametrize("kind,name", [("chain", "蚕桑"), ("chain", "生态渔业"), ("district", "第八片区"), ("pairing", None)])
def test_every_name_is_inside_the_view(browser, sample_graph, tmp_path, kind, name):
    path = view(sample_graph, kind=kind, name=name).write(tmp_path / f"{kind}.html")
    o = Opened(browser, path)
    try:
        boxes = o.page.evaluate(_LABEL_BOXES)
        clipped = [b["nm"] for b in boxes if b["l"] < 0 or b["t"] < 0 or b["r"] > b["w"] or b["b"] > b["h"]]
        assert clipped == []
        o.page.click("#gk-fit")  # the button fits the same way
        boxes = o.page.evaluate(_LABEL_BOXES)
        assert [b["nm"] for b in boxes if b["l"] < 0 or b["r"] > b["w"]] == []
    finally:
        o.close()
