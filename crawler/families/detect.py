"""Family auto-detection from a column page (portals.md §10) and the portal registry."""

from __future__ import annotations

import importlib
import pkgutil
import re

from crawler.families.base import ReportSpider
from crawler.families.gkmlpt import GkmlptSpider
from crawler.families.hanweb import HanwebSpider, JpaasSpider
from crawler.families.jsonapi import JsonApiSpider
from crawler.families.static import GenericSpider, TrsSpider

FAMILIES: dict[str, type[ReportSpider]] = {
    cls.family: cls for cls in (TrsSpider, GenericSpider, HanwebSpider, JpaasSpider, GkmlptSpider, JsonApiSpider)
}

CHECKS = [  # (family, pattern) in the order of portals.md §10; first match wins
    ("gkmlpt", re.compile(r"/gkmlpt/|_CONFIG\s*=\s*\{[^}]{0,200}SID\s*:")),
    ("jpaas", re.compile(r"parsetype=[\"']bulidstatic|jpaas-publish-server", re.I)),
    ("hanweb", re.compile(r"dataproxy\.jsp|\.jpage\(|<datastore>")),
    ("trs", re.compile(r"createPageHTML\(|var\s+countPage|nsetpage\(|/t\d{8}_\d+\.s?html?")),
]


def detect_family(html: str) -> str:
    """The family whose markers the page carries; "generic" when none (IGS, Epoint, cmsweb… need a
    registered json_api portal: their APIs cannot be guessed from the page)."""
    for family, pattern in CHECKS:
        if pattern.search(html):
            return family
    return "generic"


def portal_classes() -> list[type[ReportSpider]]:
    """Every registered portal spider: classes in `crawler/spiders/<province>/<place>.py`."""
    import crawler.spiders

    found = []
    for province in pkgutil.iter_modules(crawler.spiders.__path__):
        if not province.ispkg:
            continue
        package = importlib.import_module(f"crawler.spiders.{province.name}")
        for place in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"crawler.spiders.{province.name}.{place.name}")
            found += [
                obj
                for obj in vars(module).values()
                if isinstance(obj, type) and issubclass(obj, ReportSpider) and obj.__module__ == module.__name__
            ]
    return found
