"""A report opened in headless Chromium: every chart draws, no script from user text runs."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from py_tracker.reporting import report

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EVIL = "<img src=x onerror=alert(1)>"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium")]


def open_report(path: Path, timeout_ms: int = 20_000) -> dict:
    """Load the file, wait until every .chart holds a canvas or svg; return what happened."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            console: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            t0 = time.perf_counter()
            page.goto(path.as_uri())
            charts = page.locator(".chart")
            n = charts.count()
            for i in range(n):
                charts.nth(i).locator("canvas, svg").first.wait_for(timeout=timeout_ms)
            loaded = time.perf_counter() - t0
            page.wait_for_timeout(300)  # let any late onerror/onload handler fire
            drawn = [charts.nth(i).locator("canvas, svg").count() for i in range(n)]
            pwned = page.evaluate("() => window.__pwned === 1")
            return {"charts": n, "drawn": drawn, "dialogs": dialogs, "console": console,
                    "pwned": pwned, "seconds": loaded}
        finally:
            browser.close()


def test_charts_render_and_user_text_never_runs(root: Path, new_run, logged, tmp_path: Path) -> None:
    logged(new_run(name=EVIL, config={"note": "<script>window.__pwned=1</script>"}))
    logged(new_run(name="</script><script>window.__pwned=1;alert(2)</script>", notes=EVIL), offset=0.3)
    for i in range(2):
        logged(new_run(name=f"g{i}", group="<b onmouseover=alert(3)>grp</b>"), offset=i / 5)
    out = report("p", root=root, path=tmp_path / "report.html", title=EVIL,
                 description="<script>window.__pwned=1;alert(4)</script>",
                 sections=["## Notes\n<script>alert(5)</script>\n\n[click](javascript:alert(6))",
                           {"title": "<svg onload=alert(7)>", "markdown": "<iframe src=javascript:alert(8)>"}])
    seen = open_report(out)
    assert seen["charts"] == 5  # acc, loss, nested.m, system.cpu, system.memory_percent
    assert all(d >= 1 for d in seen["drawn"]), seen["drawn"]
    assert seen["dialogs"] == [] and not seen["pwned"]
    assert not [c for c in seen["console"] if "Content Security Policy" in c or "pageerror" in c], seen["console"]
    html = out.read_text()
    assert EVIL not in html  # escaped everywhere it appears


def _as_sweep(root: Path) -> None:
    """Make the store's runs the trials of a finished grid sweep "sw" over lr and opt, scored by
    `score` (maximize), as the sweep controller records them."""
    from py_tracker.storage.catalog import Catalog
    Catalog(root).insert_new("sweeps", {"id": "sw", "project": "p", "name": "s", "state": "finished",
                                        "config": {"method": "grid", "metric": {"name": "score", "goal": "maximize"},
                                                   "parameters": {"lr": {}, "opt": {}}}})
    for r in Catalog(root).all("runs"):
        Catalog(root).patch("runs", r["id"], {"sweep_id": "sw"})


def test_sweep_parallel_coordinates_draws(root: Path, new_run, logged, tmp_path: Path) -> None:
    for lr in (0.1, 0.01, 0.001):
        run = new_run(name=f"lr={lr}", config={"lr": lr, "opt": "adam" if lr < 0.05 else "sgd"})
        run.summary["score"] = lr * 10
        logged(run, steps=30)
    _as_sweep(root)
    seen = open_report(report(sweep="sw", root=root, path=tmp_path / "s.html", system=False))
    assert seen["charts"] == 4 and all(seen["drawn"]) and not seen["dialogs"]


# page px of point k of the first line of the chart titled `title` (from its own scales)
JS_POINT = """([title, k]) => {
  for (const v of window.Bokeh.index.roots) {
    const m = v.model;
    if (m.type !== 'Figure' || !m.title || m.title.text !== title) continue;
    const r = m.renderers.find(r => r.glyph && r.glyph.type === 'MultiLine');
    const d = r.data_source.data, x = d.xs[0][k], y = d.ys[0][k];
    (v.el.getRootNode().host || v.el).scrollIntoView({block: 'center'});
    const c = (v.canvas_view ? v.canvas_view.el : v.el).getBoundingClientRect();
    return {px: c.left + v.frame.x_scale.compute(x), py: c.top + v.frame.y_scale.compute(y), x, y, run: d.run[0]};
  }
  return null;
}"""


def test_hover_tooltip_names_the_run_step_and_value(root: Path, new_run, logged, tmp_path: Path) -> None:
    """Issue 16: hovering a report chart's line shows a real Bokeh tooltip (run, step, value)
    in the standalone HTML; it used to log `unknown special variable '$data_x'` and show ???."""
    from playwright.sync_api import sync_playwright
    logged(new_run(name="hovered"))
    out = report("p", root=root, path=tmp_path / "hover.html")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            console: list[str] = []
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.goto(out.as_uri())
            page.locator(".chart canvas").first.wait_for(timeout=20_000)
            page.wait_for_function("() => window.Bokeh && window.Bokeh.index && window.Bokeh.index.roots.length > 0")
            pt = page.evaluate(JS_POINT, ["loss", 100])
            assert pt and pt["run"] == "hovered", pt
            page.mouse.move(pt["px"], pt["py"] - 8)
            page.mouse.move(pt["px"], pt["py"], steps=4)
            tip = page.locator(".bk-tooltip, .bk-Tooltip").filter(has_text="hovered").first
            tip.wait_for(timeout=10_000)
            # the tooltip draws its rows in its shadow root
            text = " ".join(tip.evaluate("e => (e.shadowRoot ? e.shadowRoot.textContent : '') + ' ' + e.textContent")
                            .split())
        finally:
            browser.close()
    assert "???" not in text and "hovered" in text, text
    step = float(text.split("step:")[1].split()[0].replace(",", ""))
    value = float(text.split("value:")[1].split()[0])
    assert abs(step - pt["x"]) <= 2 and abs(value - pt["y"]) < 0.02, (text, pt)
    assert not [c for c in console if "unknown special variable" in c], console


# the heatmap's drawn data: the Rect glyph's data source of the figure titled `title`
JS_HEATMAP = """(title) => {
  for (const v of window.Bokeh.index.roots) {
    const m = v.model;
    if (m.type !== 'Figure' || !m.title || m.title.text !== title) continue;
    const r = m.renderers.find(r => r.glyph && r.glyph.type === 'Rect');
    const d = r.data_source.data;
    return {step: Array.from(d.step, Number), x: Array.from(d.x, Number), w: Array.from(d.w, Number)};
  }
  return null;
}"""


def test_images_slider_and_histogram_heatmap_draw(root: Path, new_run, tmp_path: Path) -> None:
    """Issue 16: a report shows logged images with a step slider whose label reads the logged
    step (not an index); moving it draws that step's image and caption (as text, even a hostile
    one); a histogram key is a heatmap with one column per logged step, the first full width."""
    import numpy as np
    from playwright.sync_api import sync_playwright

    import py_tracker as pt
    run = new_run(name="media")
    captions = {0: "first <b>", 7: EVIL, 20: "last"}
    for width, (step, caption) in zip((10, 20, 30), captions.items()):
        run.log({"samples": pt.Image(np.full((12, width, 3), width * 4, dtype=np.uint8), caption=caption),
                 "h": pt.Histogram(np.arange(50) * (step + 1), num_bins=5)}, step=step)
    run.finish()
    out = report(run.id, root=root, path=tmp_path / "media.html")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            dialogs: list[str] = []
            console: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.goto(out.as_uri())
            box = page.locator('.media-view[data-key="samples"]')
            label = box.locator(".media-step")
            shown = box.locator(".media-frame:not([hidden])")

            def seen() -> tuple[str, int, str]:
                shown.locator("img").evaluate("i => i.decode()")
                return (label.inner_text(), shown.locator("img").evaluate("i => i.naturalWidth"),
                        shown.locator("figcaption").inner_text())

            assert seen() == ("step 20", 30, "last")  # the newest step first
            slider = box.locator("input.media-slider")
            slider.focus()
            page.keyboard.press("Home")
            assert seen() == ("step 0", 10, "first <b>")
            page.keyboard.press("ArrowRight")
            assert seen() == ("step 7", 20, EVIL)  # the caption is text: no image, no handler ran
            assert shown.locator("figcaption img").count() == 0
            assert box.locator(".media-frame:not([hidden])").count() == 1

            page.locator('#histograms .chart[data-key="h"] canvas').first.wait_for(timeout=20_000)
            page.wait_for_function("() => window.Bokeh && window.Bokeh.index && window.Bokeh.index.roots.length > 0")
            heat = page.evaluate(JS_HEATMAP, "h")
            assert heat is not None
            assert sorted(set(heat["step"])) == [0, 7, 20] and len(heat["step"]) == 15  # 3 columns × 5 bins
            first = [w for s, w in zip(heat["step"], heat["w"]) if s == 0]
            assert first == [7.0] * 5  # as wide as the gap to the next step, not a 1-step sliver
            page.wait_for_timeout(300)  # let any late onerror handler fire
        finally:
            browser.close()
    assert dialogs == []
    assert not [c for c in console if "pageerror" in c or "Content Security Policy" in c or c.startswith("error")], console


# colours of every Bokeh figure of the page, read from the models (the canvas is not CSS)
JS_FIGURES = """() => {
  const out = [];
  for (const doc of (window.Bokeh.documents || [])) {
    for (const m of doc.roots()) {
      if (!('background_fill_color' in m)) continue;
      const axes = [...m.left, ...m.below].filter(a => a.type.endsWith('Axis') && a.visible);
      const ink = m.renderers.filter(r => r.name === 'ink' && r.glyph && r.glyph.type === 'Text')
        .map(r => String(r.glyph.text_color.value ?? r.glyph.text_color));
      out.push({title: m.title ? m.title.text : '', bg: String(m.background_fill_color),
                text: m.title ? String(m.title.text_color) : '', labels: axes.map(a => String(a.major_label_text_color)),
                ink});
    }
  }
  return out;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_report_follows_the_light_and_dark_colour_scheme(root: Path, new_run, logged, tmp_path: Path,
                                                         scheme: str) -> None:
    """Issue 16, dark theme: a report (metric charts, a sweep's parallel coordinates and
    importance, a logged Table, the lineage drawing, config/summary tables, the best run) follows the reader's
    `prefers-color-scheme`: every element with text of its own is >= 4.5:1 against what it is
    drawn on, and every Bokeh figure takes the page's chart background with readable title,
    tick labels and parallel-axis labels. A screenshot of each scheme goes to
    test-artifacts/report/."""
    from playwright.sync_api import sync_playwright

    import py_tracker as pt
    from tests.e2e.test_theme_contrast import JS_CONTRAST, _contrast
    from tests.e2e.test_theme_sidebar import JS_MARK
    from tests.e2e.test_theme_sweep_lineage import JS_SVG_TEXT
    from py_tracker.artifacts import Artifact
    for lr in (0.1, 0.01, 0.001):
        run = new_run(name=f"lr={lr}", config={"lr": lr, "opt": "adam" if lr < 0.05 else "sgd"}, tags=["t"])
        run.summary["score"] = lr * 10
        run.log({"preds": pt.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]])})
        if lr == 0.1:  # an artifact one trial logs and another uses: the lineage drawing
            art = Artifact("data", "dataset")
            with art.new_file("rows.csv") as f:
                f.write("1\n")
            run.log_artifact(art)
        elif lr == 0.01:
            run.use_artifact("data:v0")
        logged(run, steps=30)
    _as_sweep(root)
    out = report(sweep="sw", root=root, path=tmp_path / "s.html", system=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(color_scheme=scheme, viewport={"width": 1300, "height": 900})
            page.goto(out.as_uri())
            charts = page.locator(".chart")
            for i in range(charts.count()):
                charts.nth(i).scroll_into_view_if_needed()
                charts.nth(i).locator("canvas, svg").first.wait_for(timeout=20_000)
            page.wait_for_function("() => [...document.querySelectorAll('.chart[data-item]')]"
                                   ".every(c => c.dataset.rendered === '1')", timeout=20_000)
            page.wait_for_timeout(300)
            artifacts = Path(__file__).resolve().parents[2] / "test-artifacts" / "report"
            artifacts.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(artifacts / f"report-{scheme}.png"), full_page=True)
            n = page.evaluate(JS_MARK, "main")
            texts = page.evaluate(JS_CONTRAST, {"x": "[data-pt-text]"})["x"]
            figs = page.evaluate(JS_FIGURES)
            lineage = page.evaluate(JS_SVG_TEXT, "#lineage svg text")
            body_bg = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        finally:
            browser.close()
    assert n > 30 and len(texts) == n, (n, len(texts))
    assert len(lineage) >= 2, lineage  # the run and the artifact boxes' labels
    low = [t for t in texts + lineage if t["ratio"] < 4.5]
    assert not low, low[:10]
    assert (_contrast(body_bg, "#000000") > 10) == (scheme == "light"), body_bg  # the page itself follows
    assert len(figs) >= 2 and any(f["ink"] for f in figs), figs  # the metric charts and the parallel one
    for f in figs:
        assert _contrast(f["bg"], body_bg) < 1.5, f  # the chart background is the page's, not white on dark
        for fg in [f["text"], *f["labels"], *f["ink"]]:
            assert _contrast(fg, f["bg"]) >= 4.5, (fg, f)
