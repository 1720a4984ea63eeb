"""The report and the workbook as an official sees them: headless Debian Chromium, network blocked.

Screenshots go to ``test-artifacts/report/``: the report's first screen and whole page, its print
layout as PDF, and the workbook's first sheets rendered cell by cell (values as Excel shows them,
column widths from the file).
"""
from __future__ import annotations

import html as _html
from pathlib import Path

import pytest

from graphkit.views import report
from graphkit.analyses.analysis import run_all

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--host-resolver-rules=MAP * ~NOTFOUND"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "report"
#: A4 at 96 px per inch, less the report's @page margins (14 mm top/bottom, 12 mm left/right).
A4_CONTENT_W, A4_CONTENT_H = round((210 - 24) / 25.4 * 96), round((297 - 28) / 25.4 * 96)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed"),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def files(sample_graph, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    res = run_all(sample_graph)
    html = report.write_report(sample_graph, out / "report.html", results=res, xlsx=out / "report.xlsx")
    return html, out / "report.xlsx"


def _page(browser, path: Path, **kw):
    page = browser.new_page(locale="zh-CN", **kw)
    blocked: list[str] = []
    page.route("**/*", lambda r: r.continue_() if r.request.url == path.resolve().as_uri()
               else (blocked.append(r.request.url), r.abort()))
    page.goto(path.resolve().as_uri())
    return page, blocked


def test_report_screens_and_tables_fit(browser, files):
    html, _ = files
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page, blocked = _page(browser, html, viewport={"width": 1400, "height": 900})
    try:
        page.screenshot(path=str(ARTIFACTS / "report-first-screen.png"))
        page.screenshot(path=str(ARTIFACTS / "report-whole.png"), full_page=True)
        assert blocked == []
        first = page.inner_text("body")[:1500]
        assert "摘要" in first and "最突出的问题" in first and "参与联建的党组织" in first
        # no table wider than the page at 1400 px: headers wrap instead of cutting columns off
        wide = page.evaluate("""() => [...document.querySelectorAll('.tablewrap')]
            .filter(w => w.scrollWidth > w.clientWidth + 1).map(w => w.parentElement.id)""")
        assert wide == []
        # the whole report is a few screens, not thirty
        assert page.evaluate("document.body.scrollHeight") < 60 * 900
    finally:
        page.close()


def test_report_prints_with_the_summary_on_one_page(browser, files):
    html, _ = files
    page, _ = _page(browser, html, viewport={"width": A4_CONTENT_W, "height": A4_CONTENT_H})
    try:
        page.emulate_media(media="print")
        assert page.evaluate("getComputedStyle(document.querySelector('nav.toc')).display") == "none"
        assert page.evaluate("getComputedStyle(document.querySelector('section.summary')).breakAfter") in ("page", "always")
        bottom = page.evaluate("document.querySelector('section.summary').getBoundingClientRect().bottom")
        assert bottom <= A4_CONTENT_H, bottom  # header and summary fit the first A4 page
        wide = page.evaluate("""() => [...document.querySelectorAll('table.data')]
            .filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1).length""")
        assert wide == 0  # printed tables stay within the page width
        page.pdf(path=str(ARTIFACTS / "report-print.pdf"), format="A4", print_background=True)
        page.set_viewport_size({"width": A4_CONTENT_W, "height": A4_CONTENT_H})
        page.screenshot(path=str(ARTIFACTS / "report-print-first-page.png"))
    finally:
        page.close()


def _sheet_html(ws, *, max_rows: int = 30) -> str:
    """A sheet's first rows as Excel shows them: widths from the file (1 unit ≈ 7 px), %, dates."""
    import datetime as dt

    from openpyxl.utils import get_column_letter

    cols = []
    for j in range(1, ws.max_column + 1):
        w = ws.column_dimensions[get_column_letter(j)].width or 8.43
        cols.append(f'<col style="width:{round(w * 7 + 5)}px">')
    rows = []
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, max_rows)):
        cells = []
        for c in row:
            v = c.value
            if v is None:
                text, cls = "", ""
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                text = f"{v:.1%}" if "%" in c.number_format else (f"{v:g}" if isinstance(v, float) else str(v))
                cls = ' class="n"'
            elif isinstance(v, (dt.date, dt.datetime)):
                text, cls = v.strftime("%Y-%m-%d"), ' class="n"'
            else:
                text, cls = str(v), ""
            tag = "th" if c.row == 1 else "td"
            cells.append(f"<{tag}{cls}>{_html.escape(text)}</{tag}>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<h2>{_html.escape(ws.title)}</h2><table><colgroup>{''.join(cols)}</colgroup>"
            + "".join(rows) + "</table>")


def test_workbook_first_sheets_screenshot(browser, files, tmp_path):
    import openpyxl

    _, xlsx = files
    wb = openpyxl.load_workbook(xlsx)
    body = "".join(_sheet_html(ws) for ws in wb.worksheets[:4])
    page_html = tmp_path / "sheets.html"
    page_html.write_text(
        "<!DOCTYPE html><html lang='zh-CN'><meta charset='utf-8'><style>"
        "body{font-family:'Noto Sans CJK SC',sans-serif;font-size:13px;margin:12px}"
        "table{border-collapse:collapse;table-layout:fixed;margin-bottom:18px}"
        "th,td{border:1px solid #c8c8c8;padding:1px 4px;white-space:nowrap;overflow:hidden;text-overflow:clip}"
        "th{background:#f2f2f2;text-align:left}td.n{text-align:right}</style><body>" + body + "</body></html>",
        encoding="utf-8")
    page, _ = _page(browser, page_html, viewport={"width": 1400, "height": 900})
    try:
        page.screenshot(path=str(ARTIFACTS / "workbook-first-sheets.png"), full_page=True)
        # every header is readable in its column: the fitted widths leave no header cut off
        cut = page.evaluate("""() => [...document.querySelectorAll('th')]
            .filter(th => th.scrollWidth > th.clientWidth + 1).map(th => th.textContent)""")
        assert cut == []
        text = page.inner_text("body")
        assert "主要指标" in text and "182" in text and "32.0%" in text
    finally:
        page.close()
