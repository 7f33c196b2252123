"""Finding a portal's 政府信息公开年报 column from its home page: pure functions, no Scrapy, no fetching.

Every function takes page text or a parsel `Selector` and the page URL, so each rule is tested on saved
bytes (tests/test_discovery.py); `crawler/families/discover.py` fetches the pages and calls them.

The walk (the issue's "targeted, never a blind sweep"): on every page fetched, anchors are read once and
only two kinds are followed — links whose text names the 年报 column (`column_links`, false friends
rejected) and links whose text names the 政务公开 / 政府信息公开 section that holds it (`section_links`);
anchors inside navigation blocks rank first (the public audit tool GovOpen-AutoAudit looks in `.navLeft a`,
`.xxgkml-list a` first, portals.md §1.1). A page reached through a column link is accepted when it looks
like a 年报 column (`column_check`). When links run out, the documented path conventions of the province
or CMS family are tried (`convention_urls`). Guangdong's gkmlpt platform keeps its categories in a
`TREE`; the 年报 category is found by name (`gkmlpt_column`). A portal whose column is not found is
classified (`classify`): unreachable, blocked, javascript-only, not-found. The footer's 政府网站标识码 /
`SiteIDCode` is checked against the region code (`identity`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from parsel import Selector

# -- labels -------------------------------------------------------------------------------------------
# The 年报 column, strongest first (labels seen on portals, issue 15). A label is matched on the whole,
# normalised anchor text; a year in the text makes it one report, not the column.
COLUMN_LABELS = [
    (
        re.compile(r"^(政府)?信息公开(工作)?(年度)?(年报|报告)(专栏)?$"),
        100,
    ),  # 政府信息公开年报, …工作年度报告, 政府信息公开报告
    (re.compile(r"^(政府信息|政务)?公开年报$"), 90),
    (re.compile(r"^(工作)?年度报告$"), 80),
    (re.compile(r"^年报$"), 70),
    (re.compile(r"(信息公开|政务公开).{0,6}(年报|年度报告)"), 60),  # 政府信息公开年报（部门）, 信息公开年度报告栏目
]
# look-alikes that are not the column (issue 15): website statistics, budgets, school self-assessments…
FALSE_FRIENDS = re.compile(
    r"网站.{0,4}(年度)?报表|决算|预算|自查自评|统计公报|审计|解读|图解|工作要点|政府工作报告|年鉴|社会责任报告"
)
SECTION_LABELS = [  # the section that holds the column, strongest first
    (re.compile(r"^(政府)?信息公开(目录|专栏|平台)?$"), 50),
    (re.compile(r"^政务公开(专栏)?$"), 45),
    (re.compile(r"^法定主动公开(内容)?$"), 40),
    (re.compile(r"^(政府信息)?公开目录$|^主动公开$|^信息公开指南$"), 30),
    (re.compile(r"^(政府|政务)信息公开"), 20),
]
YEARISH = re.compile(r"(19|20)\d{2}")
REPORT_TITLE = re.compile(r"(19|20)\d{2}\s*年.{0,30}(年度报告|年报|信息公开.{0,12}报告)")
# containers that hold navigation; anchors inside them rank first
NAV_XPATH = (
    "ancestor::*[self::nav or contains(@class,'nav') or contains(@class,'Nav') or contains(@class,'menu')"
    " or contains(@class,'Menu') or contains(@id,'nav') or contains(@id,'menu') or contains(@class,'left')"
    " or contains(@class,'Left') or contains(@class,'side') or contains(@class,'tree') or contains(@class,'xxgkml')]"
)
FOOT_XPATH = "ancestor::*[contains(@class,'foot') or contains(@id,'foot') or contains(@class,'bottom') or contains(@class,'copyright')]"
JS_URL = re.compile(
    r"""(?:window\.open|location\.href\s*=|location\.replace|location\.assign)\s*\(?\s*['"]([^'"]+)['"]"""
)


def norm(text: str | None) -> str:
    """NFKC, every kind of space removed (labels are short; spaces inside them are layout)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "").replace("\u3000", ""))


@dataclass(frozen=True)
class Candidate:
    url: str
    text: str
    score: int
    kind: str  # column | section | report-parent
    in_nav: bool = False


def anchors(sel: Selector, base: str) -> list[tuple[str, str, Selector]]:
    """(url, text, anchor) for every link of the page: href, else a window.open/location URL in onclick;
    text from the title attribute, else the anchor text, else an image's alt."""
    found = []
    for a in sel.xpath("//a|//area"):
        href = (a.attrib.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:", "tel:")):
            m = JS_URL.search(a.attrib.get("onclick", "") + " " + href)
            href = m.group(1) if m else ""
        if not href:
            continue
        text = norm(a.attrib.get("title")) or norm(" ".join(a.xpath(".//text()").getall()))
        text = text or norm(" ".join(a.xpath(".//img/@alt").getall()))
        found.append((urldefrag(urljoin(base, href))[0], text, a))
    return found


DECORATION = re.compile(
    r"^[>»›·•●■□◆◇▶▷►※★☆|/\\\-_—:,.、\[\]【】〉》]+|[>»›·•●■□◆◇▶▷►※★☆|/\\\-_—:,.、\[\]【】〈《]+$|\(\d+\)$"
)


def label(text: str) -> str:
    """An anchor text without menu decoration: `» 年度报告 >`, `【政务公开】`, `年报(12)`."""
    previous = None
    while previous != text:
        previous, text = text, DECORATION.sub("", text)
    return text


def column_score(text: str) -> int:
    """How strongly an anchor text names the 年报 column (0: not at all, or a false friend/one report)."""
    text = label(norm(text))
    if not text or len(text) > 24 or FALSE_FRIENDS.search(text) or YEARISH.search(text):
        return 0
    return next((score for pattern, score in COLUMN_LABELS if pattern.search(text)), 0)


def section_score(text: str) -> int:
    text = label(norm(text))
    if not text or len(text) > 16 or FALSE_FRIENDS.search(text) or column_score(text):
        return 0
    return next((score for pattern, score in SECTION_LABELS if pattern.search(text)), 0)


def _placed(a: Selector, score: int) -> tuple[int, bool]:
    in_nav = bool(a.xpath(NAV_XPATH))
    in_foot = bool(a.xpath(FOOT_XPATH))
    return score + (10 if in_nav else 0) - (30 if in_foot else 0), in_nav


def candidates(sel: Selector, url: str, site: str | set[str]) -> list[Candidate]:
    """Column, section and report-parent candidates of one page, best first; only links of the same site."""
    found: dict[str, Candidate] = {}
    for link, text, a in anchors(sel, url):
        if not same_site(link, site) or link == url:
            continue
        if score := column_score(text):
            kind = "column"
        elif score := section_score(text):
            kind = "section"
        elif REPORT_TITLE.search(text) and not FALSE_FRIENDS.search(text):
            link, score, kind = report_parent(link), 5, "report-parent"  # the column holding a listed report
            if not link or link == url:
                continue
        else:
            continue
        score, in_nav = _placed(a, score)
        if score > 0 and (link not in found or found[link].score < score):
            found[link] = Candidate(link, text, score, kind, in_nav)
    order = {"column": 0, "section": 1, "report-parent": 2}
    return sorted(found.values(), key=lambda c: (order[c.kind], -c.score))


def report_parent(url: str) -> str | None:
    """The column directory of a report URL: `/zfxxgk/zfxxgknb/202401/t20240126_1.html` → `/zfxxgk/zfxxgknb/`."""
    path = urlsplit(url).path
    parts = [p for p in path.split("/") if p]
    if len(parts) < 2 or not re.search(r"\.s?html?$", parts[-1]):
        return None
    parts = parts[:-1]
    while parts and re.fullmatch(r"\d{6,8}|\d{4}(/\d{1,2}){0,2}|art|\d{1,2}", parts[-1]):  # 202401/, art/2024/1/26/
        parts = parts[:-1]
    return urljoin(url, "/" + "/".join(parts) + "/") if parts else None


# -- same site ----------------------------------------------------------------------------------------
def site_key(url: str) -> str:
    """Hosts sharing their last three labels under gov.cn are one site (xxgk.huaian.gov.cn ~ www.huaian.gov.cn;
    portals.md §6.2); other hosts count as themselves without a leading www."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    labels = host.split(".")
    if host.endswith(".gov.cn") and len(labels) >= 3:
        return ".".join(labels[-3:])
    return host.removeprefix("www.")


def same_site(url: str, sites: str | set[str]) -> bool:
    """`url` belongs to the site (a `site_key`), or to one of several (a home page that redirected)."""
    sites = {sites} if isinstance(sites, str) else sites
    return urlsplit(url).scheme in ("http", "https") and site_key(url) in sites


# -- column pages -------------------------------------------------------------------------------------
SUBCOLUMN = re.compile(
    r"^(本级|市本级|县本级|区本级|部门|市直部门|县直部门|区直部门|乡镇|街道|乡镇街道|乡镇\(街道\)|(19|20)\d{2}年度?)$"
)
LIST_MARKERS = re.compile(
    r"createPageHTML\(|<datastore>|\.jpage\(|dataproxy\.jsp|bulidstatic|jpaas-publish-server|nsetpage\(|var\s+countPage"
)


@dataclass(frozen=True)
class ColumnCheck:
    reports: int  # anchors titled like one report (a year and 年度报告/年报)
    subcolumns: int  # 本级 / 部门 / 乡镇街道 / year links
    script_list: bool  # a listing the page's script fills (Hanweb datastore, TRS paging)
    column_name: str  # <meta name="ColumnName">

    @property
    def ok(self) -> bool:
        return self.reports > 0 or self.subcolumns >= 2 or self.script_list or column_score(self.column_name) > 0

    def __str__(self) -> str:
        return f"reports={self.reports} subcolumns={self.subcolumns} script_list={int(self.script_list)}" + (
            f" ColumnName={self.column_name}" if self.column_name else ""
        )


def column_check(sel: Selector, text: str, url: str) -> ColumnCheck:
    """What a page reached through a column link shows: the evidence that it is the 年报 column."""
    texts = [t for _, t, _ in anchors(sel, url)]
    name = norm(sel.xpath("//meta[@name='ColumnName' or @name='columnname']/@content").get())
    reports = sum(1 for t in texts if REPORT_TITLE.search(t) and not FALSE_FRIENDS.search(t))
    reports += len(REPORT_TITLE.findall(" ".join(re.findall(r"<!\[CDATA\[(.*?)\]\]>", text, re.S))))
    return ColumnCheck(reports, sum(1 for t in texts if SUBCOLUMN.match(t)), bool(LIST_MARKERS.search(text)), name)


# -- Guangdong gkmlpt ---------------------------------------------------------------------------------
GKMLPT_TREE = re.compile(r"TREE\s*:\s*(\[.*?\])\s*[,}]\s*(?:\w+\s*:|\}|;|$)", re.S)


def gkmlpt_column(text: str, url: str) -> tuple[str, str] | None:
    """(column URL `…/gkmlpt/index#{id}`, category name) of the 年报 category in a gkmlpt index's TREE."""
    m = GKMLPT_TREE.search(text)
    if not m:
        return None
    try:
        tree = json.loads(m.group(1))
    except ValueError:
        return None
    best: tuple[int, int, str] | None = None
    stack = list(tree)
    while stack:
        node = stack.pop()
        score = column_score(norm(node.get("name", "")))
        if score and (best is None or score > best[0]):
            best = (score, node["id"], node["name"])
        stack.extend(node.get("children") or [])
    return (urljoin(url, f"/gkmlpt/index#{best[1]}"), best[2]) if best else None


# -- conventions --------------------------------------------------------------------------------------
# Documented path conventions (issue 15, portals.md §1.1, §4). Hanweb `/col/col{N}/`, Shandong
# `/gongkai/site_{slug}/channel_{id}/`, Anhui `/public/column/{id}` and Beijing's districts carry a per-site
# id: no path can be guessed there, the links must be read.
TRS_PATHS = ["/zfxxgk/zfxxgknb/", "/zfxxgkml/zfxxgkndbg/", "/zwgk/xxgknb/", "/xxgk/xxgknb/"]
PROVINCE_PATHS = {"44": ["/gkmlpt/index"]}  # every Guangdong site runs gkmlpt (hulelan/china-governance survey)


def convention_urls(home: str, region_code: str | None) -> list[str]:
    """Paths to try, in order, when no link led to the column: the province's platform, then TRS slugs."""
    paths = PROVINCE_PATHS.get((region_code or "")[:2], []) + TRS_PATHS
    return [urljoin(home, p) for p in paths]


# -- pages that are not content ----------------------------------------------------------------------
META_REFRESH = re.compile(r"""<meta[^>]+http-equiv=["']?refresh["']?[^>]+url\s*=\s*['"]?([^'">\s]+)""", re.I)
SCRIPT_REDIRECT = re.compile(
    r"""(?:window\.|document\.|self\.|top\.)?location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*['"]([^'"]+)['"]"""
)


SCRIPT_BODY = re.compile(r"<script[^>]*>(.*?)</script>", re.S | re.I)


def redirect_target(text: str, url: str) -> str | None:
    """Where a redirect shell sends the browser (`<meta http-equiv=refresh>`, a script's
    `location.replace('…')`): a short page whose whole job is to move on (Beijing column roots, portals.md
    §6.2). Links' onclick handlers are not redirects."""
    if len(text) > 3000:
        return None
    m = META_REFRESH.search(text) or next(filter(None, map(SCRIPT_REDIRECT.search, SCRIPT_BODY.findall(text))), None)
    return urljoin(url, m.group(1)) if m else None


def is_javascript_only(sel: Selector, text: str) -> bool:
    """A page built in the browser: next to no links or text in the HTML, but scripts (an SPA shell)."""
    visible = norm(" ".join(sel.xpath("//body//text()[not(ancestor::script or ancestor::style)]").getall()))
    links = len(sel.xpath("//a[@href]"))
    scripts = len(sel.xpath("//script"))
    return scripts > 0 and links < 3 and len(visible) < 200


# -- identity -----------------------------------------------------------------------------------------
SITE_ID_TEXT = re.compile(r"(?:政府)?网站标识码\s*[:：]?\s*([0-9A-Za-z]{10})")


def site_id_code(sel: Selector, text: str) -> str | None:
    """The 政府网站标识码 (national website guidelines): `<meta name="SiteIDCode">`, else the footer text."""
    value = sel.xpath("//meta[@name='SiteIDCode' or @name='siteidcode']/@content").get()
    if value and value.strip():
        return value.strip()
    m = SITE_ID_TEXT.search(norm(" ".join(sel.xpath("//body//text()[not(ancestor::script)]").getall())))
    return m.group(1) if m else None


def identity(site_id: str | None, region_code: str | None, former: dict[str, str] | None = None) -> str:
    """match | former-code (the identifier predates a code change: `former` maps old → current codes) |
    mismatch | absent (no identifier on the page) | unknown (no region code to compare with)."""
    if not site_id:
        return "absent"
    if not region_code:
        return "unknown"
    prefix = site_id[:6]
    if prefix == region_code[:6]:
        return "match"
    if former and region_code in former.get(prefix, "").split("|"):
        return "former-code"
    return "mismatch"


# -- outcome ------------------------------------------------------------------------------------------
BLOCK_STATUSES = {403, 412, 429, 468, 521}


@dataclass
class Fetch:
    """What one discovery request gave: status (0 = no answer), a block reason, or a page."""

    url: str
    status: int
    role: str  # home | section | column | convention | evidence
    blocked: str | None = None
    javascript_only: bool = False
    error: str | None = None


@dataclass
class Outcome:
    status: str  # found | unreachable | blocked | javascript-only | not-found
    reason: str
    fetches: list[Fetch] = field(default_factory=list)


def classify(fetches: list[Fetch], found: bool) -> Outcome:
    """Why a portal's column was (not) found, from its requests in order (the home page first)."""
    if found:
        return Outcome("found", "", fetches)
    home = next((f for f in fetches if f.role == "home"), None)
    pages = [f for f in fetches if f.status == 200 and not f.blocked]
    if home is None or (home.status != 200 and not home.blocked and not pages):
        why = home.error if home and home.error else f"http {home.status}" if home else "not fetched"
        return Outcome("unreachable", f"home page: {why}", fetches)
    if home.blocked or (not pages and any(f.blocked for f in fetches)):
        first = home if home.blocked else next(f for f in fetches if f.blocked)
        return Outcome("blocked", f"{first.url}: {first.blocked}", fetches)
    if home.javascript_only:
        return Outcome("javascript-only", "home page is built by scripts; no convention path answered", fetches)
    tried = sum(1 for f in fetches if f.role != "home")
    return Outcome("not-found", f"no 年报 column among {tried} pages followed from the home page", fetches)


# -- the walk -----------------------------------------------------------------------------------------
ROLE_ORDER = {"evidence": 0, "home": 1, "redirect": 1, "column": 2, "gkmlpt": 2, "section": 3, "report-parent": 4}
ROLE_ORDER["convention"] = 5
COLUMN_ROLES = {"evidence", "column", "report-parent", "convention", "gkmlpt"}  # pages checked as a column


@dataclass(frozen=True)
class Step:
    url: str
    role: str  # evidence | home | redirect | column | gkmlpt | section | report-parent | convention
    text: str = ""  # the link text that led here (the evidence for a column found by link)
    score: int = 0
    found_on: str = ""  # the page holding that link


class Walk:
    """One portal's discovery plan: the next URL to fetch, best first, never twice, at most `budget` times.

    Column links come before section links, which come before convention paths; within a kind, the
    stronger label (and a navigation block) first. The Scrapy side feeds every page back through `see`.
    """

    def __init__(self, home: str, region_code: str | None = None, budget: int = 10):
        self.home, self.region_code, self.budget = home, region_code, budget
        self.sites = {site_key(home)}
        self.fetched = 0
        self._queue: list[tuple[int, int, int, Step]] = []
        self._seen: set[str] = set()
        self._conventions_added = False
        self._added = 0

    def add(self, step: Step) -> None:
        """Queue a step once per URL; a URL still waiting is upgraded when a stronger role names it."""
        key = _key(step.url)
        self._added += 1
        entry = (ROLE_ORDER[step.role], -step.score, self._added, step)
        if key in self._seen:
            waiting = next((i for i, e in enumerate(self._queue) if _key(e[3].url) == key), None)
            if waiting is None or self._queue[waiting][:2] <= entry[:2]:
                return
            self._queue[waiting] = entry
        else:
            self._seen.add(key)
            self._queue.append(entry)
        self._queue.sort()

    def fetched_elsewhere(self, url: str) -> None:
        """A page the caller fetched outside the walk: counted against the budget, never fetched again."""
        self._seen.add(_key(url))
        self.fetched += 1

    def next(self) -> Step | None:
        if self.fetched >= self.budget:
            return None
        if not self._queue and not self._conventions_added:
            self.add_conventions()
        if not self._queue:
            return None
        self.fetched += 1
        return self._queue.pop(0)[3]

    def add_conventions(self) -> None:
        self._conventions_added = True
        for i, url in enumerate(convention_urls(self.home, self.region_code)):
            self.add(Step(url, "convention", score=-i))

    def see(self, sel: Selector, text: str, url: str, came_by: Step | None = None) -> None:
        """Queue what one fetched page offers: redirect target, gkmlpt index, column and section links. A
        redirect shell reached through a column link passes that role (and link text) on to its target."""
        if target := redirect_target(text, url):
            role = came_by.role if came_by and came_by.role in COLUMN_ROLES else "redirect"
            self.add(Step(target, role, came_by.text if came_by else "", came_by.score if came_by else 0, url))
        for c in candidates(sel, url, self.sites):
            role = "gkmlpt" if "/gkmlpt/" in c.url else c.kind
            self.add(Step(c.url, role, c.text, c.score, url))
        if "/gkmlpt/" in text and not any("/gkmlpt/" in s.url for *_, s in self._queue):
            self.add(Step(urljoin(url, "/gkmlpt/index"), "gkmlpt", "gkmlpt", 1, url))


def _key(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"/(index|default)\.s?html?$", "/", parts.path or "/")
    return f"{(parts.hostname or '').lower()}{path}?{parts.query}"
