"""`prachakhom poster`: a printable A4 poster (PDF and PNG) with the dates in Buddhist era and a QR
code that encodes the process page's URL."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import segno

from site_generator.poster import poster_html, qr_svg
from tests.conftest import CONTENT, REPO, TODAY

pytestmark = pytest.mark.browser


def test_poster_command_writes_an_a4_pdf_and_png(tmp_path: Path) -> None:
    # in a child process: the session's browser fixture already runs Playwright's sync API here
    done = subprocess.run(
        [sys.executable, "-m", "prachakhom.commands.cli", "poster", "--municipality", "non-kha-hom", "--process", "pb-2570",
         "--content", str(CONTENT), "--site-url", "https://pb.example.go.th/", "--output", str(tmp_path),
         "--today", TODAY.isoformat()], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "poster-non-kha-hom-pb-2570.pdf" in done.stdout
    pdf = (tmp_path / "poster-non-kha-hom-pb-2570.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(abs(float(w) - 595.9) < 2 and abs(float(h) - 842.9) < 2 for w, h in boxes), boxes
    assert len(boxes) == 1  # one page
    png = (tmp_path / "poster-non-kha-hom-pb-2570.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert abs(height / width - 297 / 210) < 0.01 and width >= 1500  # A4 proportions, sharp enough to print


def test_poster_text_and_qr_code() -> None:
    url, html = poster_html(CONTENT, "non-kha-hom", "pb-2570", "https://pb.example.go.th/", TODAY)
    assert url == "https://pb.example.go.th/non-kha-hom/pb-2570/"
    assert "16 พฤศจิกายน 2569 – 30 พฤศจิกายน 2569" in html  # voting dates, Buddhist era
    assert "pb.example.go.th/non-kha-hom/pb-2570" in html  # the link as text, to type by hand
    assert "โนนข่าหอมร่วมคิด ร่วมเลือก" in html
    assert qr_svg(url) in html
    qr = segno.make(url, error="m", micro=False)
    assert qr.error in ("M", "Q", "H")  # at least M: a scuffed print still scans
    assert not re.search(r"""(src=|url\()["']?https?:""", html)  # fonts are embedded: nothing is fetched


def test_village_poster_links_to_the_process_with_the_village() -> None:
    url, html = poster_html(CONTENT, "non-kha-hom", "pb-2570", "https://pb.example.go.th/", TODAY, village=3)
    assert url == "https://pb.example.go.th/non-kha-hom/pb-2570/?village=3"
    assert qr_svg(url) in html and "pb.example.go.th/non-kha-hom/pb-2570/?village=3" in html
    assert "หมู่ที่ 3" in html


def test_village_poster_refuses_an_unknown_village(capsys: pytest.CaptureFixture[str]) -> None:
    from argparse import Namespace

    from prachakhom.commands.poster import main

    args = Namespace(content=CONTENT, municipality="non-kha-hom", process="pb-2570", site_url="https://x/",
                     output=Path("unused"), today=TODAY, village=99)
    assert main(args) == 2
    assert "no village 99" in capsys.readouterr().err
