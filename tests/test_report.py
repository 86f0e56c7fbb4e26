"""``rftgym report``: one self-contained HTML file with every plot, for one run or two side by side."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rftgym.cli import app
from rftgym.report import PLOTS, write_report
from rftgym.rollout import rollout

ENV = "rftgym/FileLocalization-v0"


class Page(HTMLParser):
    """The parts of the report a reader sees: images by id, table headers and cells."""

    def __init__(self) -> None:
        super().__init__()
        self.images: dict[str, dict[str, str]] = {}
        self.cells: list[str] = []
        self.external: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images[attrs.get("id", "")] = attrs
        if tag in ("script", "link") or (tag == "img" and not attrs.get("src", "").startswith("data:")):
            self.external.append(tag)
        self._in_cell = tag in ("td", "th")

    def handle_endtag(self, tag):
        self._in_cell = False

    def handle_data(self, data):
        if self._in_cell and data.strip():
            self.cells.append(data.strip())


@pytest.fixture(scope="module")
def runs(shop_tasks, tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("report")
    rollout(ENV, "scripted:sequential", shop_tasks, split="all", samples=2, workers=2, out=base / "sequential")
    rollout(ENV, "random", shop_tasks, split="all", samples=3, workers=2, concurrency=6, out=base / "random")
    return base / "sequential", base / "random"


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_report_of_two_runs_has_every_plot_and_table(runs, tmp_path):
    a, b = runs
    result = CliRunner().invoke(app, ["report", str(a), "--vs", str(b), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert "r.html" in result.output
    page = parse(tmp_path / "r.html")
    assert page.external == []  # self-contained: no scripts, stylesheets or remote images
    for pid, name in PLOTS:
        img = page.images[pid]
        assert img["alt"] == name
        png = base64.b64decode(img["src"].split(",", 1)[1])
        assert png.startswith(b"\x89PNG") and len(png) > 5000  # a drawn figure, not an empty canvas
    assert list(page.images) == [pid for pid, _ in PLOTS]
    cells = page.cells
    assert "scripted:sequential" in cells and "random" in cells and "difference" in cells
    assert {"reward mean", "tool calls / rollout (max)", "calls / turn", "sim latency mean (s)"} <= set(cells)
    assert {"shop-1", "shop-2", "shop-3"} <= set(cells)  # the per-task table
    assert any(re.fullmatch(r"\d\.\d{3} ± \d\.\d{3} \(3\)", c) for c in cells)  # mean ± std (samples)


def test_report_of_one_run_defaults_into_its_folder(runs):
    a, _ = runs
    path = write_report([a], a / "report.html")
    page = parse(path)
    assert set(page.images) == {pid for pid, _ in PLOTS} and "difference" not in page.cells


def test_report_says_what_to_pass(tmp_path):
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "not a run folder" in " ".join(result.output.split())  # rich wraps lines
