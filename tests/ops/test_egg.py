"""The egg `scrapyd-deploy` builds holds the data files, and the code reads them from inside it (a zip file).

A Python process that has only the egg on its path (isolated mode: no checkout, no PYTHONPATH) reads the
region codes and the portal registry, segments with the domain dictionary, extracts a PDF whose font is not
embedded (PDFium then needs the fallback font) and loads the demo portal, each equal to what the checkout gives.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

from ops_tools import REPO, bare_env, copy_project, scrapyd_deploy

from crawler.portals import load_portals
from demo.server import load_dir
from demo.synthetic import tiny_pdf
from pipelines.formats.pdf import pdf_to_document
from pipelines.regions import load_regions
from pipelines.segment import Segmenter

PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from crawler.portals import load_portals
from data import resource
from demo.server import load_dir
from pipelines.formats.pdf import pdf_to_document
from pipelines.regions import load_regions
from pipelines.segment import Segmenter
import pipelines.regions
files, headers = load_dir(resource("demo_portal"))
print(json.dumps({
    "module": pipelines.regions.__file__,
    "regions": len(load_regions()),
    "portals": len(load_portals()),
    "tokens": Segmenter().tokens("依申请公开"),
    "pdf": pdf_to_document(open(sys.argv[2], "rb").read()).text,
    "portal": sorted(files), "headers": headers,
}, ensure_ascii=False))
"""


def test_the_egg_carries_its_data_and_reads_it_from_the_zip(tmp_path):
    project = copy_project(tmp_path / "project")
    egg = tmp_path / "nianbao.egg"
    built = scrapyd_deploy(project, "--build-egg", str(egg))
    assert built.returncode == 0, built.stderr
    names = zipfile.ZipFile(egg).namelist()
    for name in ("data/regions.csv", "data/portals.csv", "data/jieba_userdict.txt", "data/fallback_box.ttf"):
        assert name in names
    assert not any(name.startswith(("tests/", "data/reports.db")) for name in names)

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(tiny_pdf(["一、总体情况", "本年度依申请公开工作"]))  # STSong-Light: not embedded
    probe = subprocess.run(
        [sys.executable, "-I", "-c", PROBE, str(egg), str(pdf)],
        cwd=tmp_path, env=bare_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert found["module"].startswith(str(egg))  # the code ran from the egg, not from a checkout
    assert found["regions"] == len(load_regions())
    assert found["portals"] == len(load_portals())
    assert "依申请公开" in found["tokens"]  # a word of the domain dictionary, whole
    assert found["tokens"] == Segmenter().tokens("依申请公开")
    assert "依申请公开" in found["pdf"]
    assert found["pdf"] == pdf_to_document(pdf.read_bytes()).text
    files, headers = load_dir(REPO / "data" / "demo_portal")
    assert found["portal"] == sorted(files) and found["headers"] == headers
