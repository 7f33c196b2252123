"""Packaging for Scrapyd only: `scrapyd-deploy` builds the project's egg with `python setup.py bdist_egg`.

Everything is declared in pyproject.toml, including the data files (package data). Without this file
scrapyd-deploy writes its own setup.py, which ships no data files: the egg would lack the region codes, the
segmentation dictionary, the PDF fallback font and the demo portal.
"""

from setuptools import setup

setup()
