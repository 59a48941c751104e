"""The report as a person sees it: rendered by headless Chromium (Debian `chromium`).

--dump-dom gives the DOM after rendering (scripts would have run by then): the alias table must
show "unverified" next to Rocatan with its reason, and the article's injected script must neither
be an element nor have changed the page. --screenshot gives a PNG: it must not be blank and the
red of the "unverified" badge must be among its pixels. A store too large for one page gets a front
page whose drug links open pages that render the same rows.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from trialwire.reconcile import reconcile
from trialwire.reconcile.testing import StoreBuilder
from trialwire.report import write_report
from trialwire.report.html import STATUS_COLOURS

pytestmark = pytest.mark.slow

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
                 if p and Path(p).exists()), None)
INJECT = ("<script>document.title='PWNED';document.body.insertAdjacentHTML('beforeend','<div id=\"pwned\">x</div>')"
          "</script><img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">")
AI_QA = f"""Rocatan: what it is and how it is used
Take care: this content is pending human review.
Rocatinlimab (Rocatan) for atopic dermatitis {INJECT} is in the ROCKET phase 3 program in adults and adolescents.
"""
NEWS = """Rocatinlimab phase 3 trials succeed
By Jane Smith
In the double-blind phase 3 ROCKET-IGNITE (IGNITE; NCT05398445) trial, rocatinlimab (AMG 451) met both endpoints.
"""


def chromium(args: list[str], tmp: Path, timeout: int = 60) -> subprocess.CompletedProcess:
    profile = tmp / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes], int]:
    """A tiny PNG reader (8-bit RGB/RGBA, non-interlaced): width, height, rows, bytes per pixel."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if ctype == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and colour in (2, 6) and interlace == 0
            bpp = 3 if colour == 2 else 4
        elif ctype == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    if CHROMIUM is None:
        pytest.skip("chromium not found (Debian: apt-get install -y chromium)")
    out = tmp_path_factory.mktemp("browser")
    b = StoreBuilder(out)
    qa = b.doc("pages/qa.html", AI_QA, kind="qa", url="https://www.droracle.ai/articles/1",
               published=dt.date(2025, 11, 23))
    news = b.doc("pages/news.html", NEWS, url="https://www.pharmacytimes.com/view/r", byline="Jane Smith")
    for d in (qa, news):
        b.fact("drugs", d, "ocatinlimab", drug="rocatinlimab", in_kb=True)
    b.fact("drug_aliases", qa, "Rocatan)", drug="rocatinlimab", alias="Rocatan", alias_type="unknown", in_kb=False)
    b.fact("drug_aliases", news, "AMG 451", drug="rocatinlimab", alias="AMG 451", alias_type="code", in_kb=True)
    b.fact("trials", news, "ROCKET-IGNITE (IGNITE", trial="ROCKET-IGNITE", nct_id="NCT05398445", phase="3",
           short_forms=["IGNITE"])
    b.commit()
    reconcile(out)
    return write_report(out)[0]


@pytest.fixture(scope="module")
def paged_report(report_html: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser-paged")
    for table in report_html.parents[1].iterdir():  # the same store, its report written as pages
        if table.name != "reports":
            (shutil.copytree if table.is_dir() else shutil.copy2)(table, out / table.name)
    return write_report(out, one_page_chars=1)[0]


def test_rendered_dom_shows_status_and_no_injection(report_html, tmp_path):
    res = chromium(["--dump-dom", report_html.as_uri()], tmp_path)
    dom = res.stdout
    assert "<body" in dom, res.stderr[-2000:]
    row = re.search(r'<tr class="alias-row" data-status="unverified">(.*?)</tr>', dom, re.S)
    assert row, "no unverified alias row rendered"
    cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    assert "Rocatan" in cells[0] and ">unverified<" in cells[1]
    assert "low_credibility_only" in cells[2] and "low-credibility" in cells[3]
    # the injected markup is visible as text, and did nothing
    assert "<title>trialwire report</title>" in dom
    assert '<div id="pwned"' not in dom and not re.search(r"<body[^>]*data-pwned", dom)
    assert "<script" not in dom.lower() and "<img" not in dom.lower()
    assert "&lt;script&gt;document.title" in dom


def test_screenshot_shows_unverified_badge(report_html, tmp_path):
    png = tmp_path / "report.png"
    res = chromium([f"--screenshot={png}", "--window-size=1280,2000", "--hide-scrollbars", report_html.as_uri()], tmp_path)
    assert png.exists(), res.stderr[-2000:]
    width, height, rows, bpp = png_pixels(png.read_bytes())
    assert (width, height) == (1280, 2000)
    colours = set()
    for y in range(0, height, 2):
        row = rows[y]
        for x in range(0, width * bpp, bpp * 2):
            colours.add(row[x:x + 3])
    assert len(colours) > 20, "screenshot looks blank"
    red = bytes(int(STATUS_COLOURS["unverified"][i:i + 2], 16) for i in (1, 3, 5))
    green = bytes(int(STATUS_COLOURS["confirmed"][i:i + 2], 16) for i in (1, 3, 5))
    assert red in colours, "no 'unverified' badge colour in the screenshot"
    assert green in colours, "no 'confirmed' badge colour in the screenshot"


def test_paged_report_links_open_rendered_drug_pages(paged_report, tmp_path):
    index = chromium(["--dump-dom", paged_report.as_uri()], tmp_path).stdout
    row = re.search(r'<tr class="drug-row"><td><a href="([^"]+)">rocatinlimab</a></td>(.*?)</tr>', index, re.S)
    assert row, "no drug row rendered on the front page"
    # open for review: the unverified alias and the conflict, neither decided
    assert 'kind-conflict">conflict</span>&nbsp;1' in row.group(2) and 'class="num open">2<' in row.group(2)
    page = (paged_report.parent / row.group(1)).resolve()
    assert page.parent == paged_report.parent / "drugs"
    dom = chromium(["--dump-dom", page.as_uri()], tmp_path).stdout
    alias = re.search(r'<tr class="alias-row" data-status="unverified">(.*?)</tr>', dom, re.S)
    assert alias and "Rocatan" in alias.group(1) and ">unverified<" in alias.group(1)
    assert "<script" not in dom.lower() and "&lt;script&gt;document.title" in dom
    back = re.search(r'<a href="([^"]+)">All drugs</a>', dom).group(1)
    assert (page.parent / back).resolve() == paged_report
