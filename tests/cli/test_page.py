"""``status --format html``: one self-contained page of the fleet, read as HTML and in a real
browser (Debian's headless chromium; `.ci/run` installs it when missing)."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ..helpers import Workspace, run
from .test_transform import served  # noqa: F401 - the fixture: data-1 → fraud-rgcn → fraud-endpoint


class Page(HTMLParser):
    """Every tag with its attributes, and the text by the id of the element it is in."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def page(ws: Workspace) -> tuple[str, Page]:
    r = run("status", "--format", "html")
    assert r.code == 0, r.err
    parsed = Page()
    parsed.feed(r.out)
    return r.out, parsed


def test_the_page_names_every_manifest_and_what_the_endpoint_serves_with_nothing_from_the_network(
    served: Workspace,  # noqa: F811
) -> None:
    html, parsed = page(served)
    text = " ".join(parsed.text)
    for name in ("data-1", "fraud-rgcn", "fraud-endpoint"):
        assert ("tr", {"id": f"m-{name}"}) in parsed.tags
    assert (
        f"fraud-endpoint serves {served.current('fraud-rgcn')} (fraud-rgcn generation 1, its latest Completed)"
        in text
    )
    assert f"fraud-rgcn trained on {served.current('data-1')} (data-1)" in text
    assert "3 of 3 in sync." in text
    assert all(tag not in ("script", "link", "img", "iframe") for tag, _ in parsed.tags)  # self-contained
    assert not any(
        v and v.startswith("http") for _, attrs in parsed.tags for k, v in attrs.items() if k == "src"
    )
    assert html.count("<path class='edge") == 2  # model → data, endpoint → model


def test_a_held_endpoint_and_a_failure_are_marked(served: Workspace) -> None:  # noqa: F811
    text = (served.specs / "fraud-endpoint.yaml").read_text()
    (served.specs / "fraud-endpoint.yaml").write_text(text.replace("promote: auto", "promote: manual"))
    (served.specs / "fraud-rgcn.yaml").write_text(
        (served.specs / "fraud-rgcn.yaml")
        .read_text()
        .replace("modelName: rgcn", "modelName: rgcn\n  maxHPONumberOfTrainingJobs: 3")
    )
    served.emu.options(job_seconds=60)
    assert served.apply().code == 0
    served.emu.fail(served.current("fraud-rgcn"), "AlgorithmError: out of memory")
    html, parsed = page(served)
    assert "failed: AlgorithmError: out of memory" in " ".join(parsed.text)
    assert "class=bad>Failed</td>" in html


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("no chromium on this machine (CI installs it)")
    return found


def test_the_page_opens_in_a_real_browser(served: Workspace, tmp_path: Path) -> None:  # noqa: F811
    browser = chromium()
    html, _ = page(served)
    file = tmp_path / "fleet.html"
    file.write_text(html)
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", file.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    for name in ("data-1", "fraud-rgcn", "fraud-endpoint"):
        assert f'id="m-{name}"' in dom.stdout
    assert "serves" in dom.stdout and "<svg" in dom.stdout
    shot = tmp_path / "fleet.png"
    taken = subprocess.run(
        [browser, *flags, "--window-size=1280,900", f"--screenshot={shot}", file.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert taken.returncode == 0 and shot.stat().st_size > 10_000, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
