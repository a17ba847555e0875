#!/usr/bin/env python3
"""The summary table at the top of docs/performance.md (issue 15).

  bench/summary.py [--file PATH] [--check]

Reads the sections the bench scripts write (<!-- bench:NAME:start --> ...
<!-- bench:NAME:end -->), takes the current figure of each request of issue
15's first table and of each of its seven goals, and writes one table between
<!-- bench:summary:start --> and <!-- bench:summary:end --> (inserted before
the document's first "## " heading when absent). Nothing is hard-coded but
the original systems' figures (issue 15) and the goals.

A request's "now" comes from the newest of the sections that measure it the
way its goal is stated (the section's first date, and time when it gives one;
on a tie the first listed). Figures are read from each section's first table
(later tables there are older runs). A section or row that is absent, or a
cell that holds no number, is "not measured". A first table without the
expected columns, a number with another unit than expected, or an unknown
verdict in a scale table is an error (exit 1): the summary never guesses.

--check: exit 1 with a diff when the file's table is not what this script
would write (ctest's perf-summary runs it). bench/lib.sh's replace_section
runs this script after every section a bench script writes.
"""

import argparse
import difflib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- bench:summary:start -->", "<!-- bench:summary:end -->"
MARK = re.compile(r"^<!-- bench:([A-Za-z0-9_-]+):(start|end) -->$")
DATE = re.compile(r"\b(20\d\d-\d\d-\d\d)(?: (\d\d:\d\d) UTC)?")
N = r"([0-9][0-9,]*(?:\.[0-9]+)?)"


class FormatError(Exception):
    """A section is there but not in a format this script knows."""


class Fig:
    """One figure: its value, the section it comes from and that section's date."""

    def __init__(self, value, section):
        self.value, self.section = value, section

    def source(self):
        return f"{self.section.name}, {self.section.when()}"


class Section:
    def __init__(self, name, lines):
        self.name, self.lines = name, lines
        m = DATE.search("\n".join(lines))
        self.date = (m.group(1), m.group(2) or "") if m else ("", "")

    def when(self):
        d, t = self.date
        return f"{d} {t} UTC" if t else (d or "undated")

    def tables(self):
        """Every markdown table of the section: (header cells, rows of cells, line before it)."""
        out, i = [], 0
        while i < len(self.lines):
            nxt = self.lines[i + 1] if i + 1 < len(self.lines) else ""
            if self.lines[i].startswith("|") and re.match(r"^\|[\s:|-]+\|$", nxt):
                rows, j = [], i + 2
                while j < len(self.lines) and self.lines[j].startswith("|"):
                    rows.append(cells(self.lines[j]))
                    j += 1
                before = next((l for l in reversed(self.lines[:i]) if l.strip()), "")
                out.append((cells(self.lines[i]), rows, before))
                i = j
            else:
                i += 1
        return out

    def table(self, *columns):
        """The section's first table, which must have every column (exact text, or a compiled
        regex): later tables are older runs or notes, never the current figures."""
        tables = self.tables()
        want = [getattr(c, "pattern", c) for c in columns]
        if not tables:
            raise FormatError(f"section {self.name}: no table (wanted the columns {want})")
        header, rows, _ = tables[0]
        idx = [column_index(header, c) for c in columns]
        if None in idx:
            raise FormatError(f"section {self.name}: its first table lacks the columns {want}: {header}")
        return Table(self, header, rows, idx)


class Table:
    def __init__(self, section, header, rows, idx):
        self.section, self.header, self.rows, self.idx = section, header, rows, idx

    def row(self, label):
        """The first row whose first cell matches the regex label (None when absent)."""
        return next((r for r in self.rows if re.match(label, r[0])), None)

    def fig(self, label, column, pattern):
        """The numbers of the cell in `column` (its position among the columns asked for) of the
        row `label`: `pattern` must match the whole cell, its groups are the numbers. None when
        the row is absent or the cell holds no number (not measured)."""
        r = self.row(label)
        if r is None or self.idx[column] >= len(r):
            return None
        cell = r[self.idx[column]].strip()
        if not re.match(r"^\**\s*[0-9]", cell):
            return None
        m = re.fullmatch(r"\**\s*" + pattern + r"\s*\**", cell)
        if not m:
            raise FormatError(f"section {self.section.name}, row {r[0]!r}: {cell!r} does not match {pattern!r}")
        figs = tuple(Fig(float(g.replace(",", "")), self.section) for g in m.groups())
        return figs if len(figs) > 1 else figs[0]


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def column_index(header, column):
    for i, h in enumerate(header):
        if column.fullmatch(h) if isinstance(column, re.Pattern) else h == column:
            return i
    return None


def read_sections(text):
    sections, open_name, body = {}, None, []
    for n, line in enumerate(text.split("\n"), 1):
        m = MARK.match(line)
        if not m:
            if open_name:
                body.append(line)
            continue
        name, kind = m.groups()
        if kind == "start":
            if open_name or name in sections:
                raise FormatError(f"line {n}: section {name} opened twice or inside {open_name}")
            open_name, body = name, []
        else:
            if name != open_name:
                raise FormatError(f"line {n}: end of {name}, but {open_name} is open")
            sections[name], open_name = Section(name, body), None
    if open_name:
        raise FormatError(f"section {open_name} has no end marker")
    return sections


def newest(*figs):
    figs = [f for f in figs if f is not None]
    return max(figs, key=lambda f: f.section.date) if figs else None


def fmt(v, unit=""):
    s = f"{v:,.0f}" if v >= 1000 else f"{v:g}"
    return f"{s} {unit}".strip()


def met(ok):
    return "yes" if ok else "**no**"


def sources(*figs):
    seen = []
    for f in figs:
        if f is not None and f.source() not in seen:
            seen.append(f.source())
    return "; ".join(seen) or "—"


# --- the figures of each section ------------------------------------------------------------
READS = [  # key, row of the reads table, its reference
    ("orders", r"shop GET /account/all-orders-list/ \(customer", "return 200"),
    ("user1", r"microblog GET /api/users/1$", "return 200"),
    ("users", r"microblog GET /api/users$", "return 200"),
    ("index", r"microblog GET /index, signed in$", "static page"),
    ("explore", r"microblog GET /explore, signed in$", "static page"),
]
PG_ROWS = [  # key, row of the pg-vs-sqlite table
    ("orders", r"(shop )?GET /account/all-orders-list/"),
    ("index", r"GET /index, signed in$"),
    ("explore", r"GET /explore, signed in$"),
    ("user1", r"GET /api/users/1\b"),
    ("users", r"GET /api/users( \(bearer\))?$"),
]
VERDICTS = {"met": True, "**NOT met**": False, "the machine's noise": None,
            "grows with the data (not paginated, or a deep page)": None, "": None}


def reads_figs(sec):
    t = sec.table("request", "reference req/s", "now req/s")
    out = {k: (t.fig(label, 2, N), t.fig(label, 1, N + r" \(" + ref + r"\)")) for k, label, ref in READS}
    out["admin"] = t.fig(r"shop admin GET /account/all-orders-list/", 2, N + " ms")
    out["admin_rss"] = t.fig(r"shop RSS while serving it", 2, N + " MiB")
    return out


def shop_figs(sec):
    t = sec.table("measurement", "result")
    return {"list": t.fig(r"GET /api/products/$", 1, N + r" req/s\b.*"),
            "one": t.fig(r"GET /api/product/", 1, N + r" req/s\b.*"),
            "admin": t.fig(r"admin GET /account/all-orders-list/", 1, N + r" ms\b.*"),
            "rss_catalogue": t.fig(r"shop resident memory, catalogue load", 1, N + " MiB")}


def microblog_figs(sec):
    t = sec.table("request", "req/s (median)")
    return {"login": t.fig(r"GET /auth/login$", 1, N),
            "rss": t.fig(r"resident memory", 1, N + " MiB / " + N + " MiB")}


def chain_figs(sec):
    t = sec.table("GET /api/products/", "req/s (median)")
    return {"direct": t.fig(r"shop-a directly", 1, N), "chain": t.fig(r"load balancer", 1, N)}


def logins_figs(sec):
    t = sec.table("build", re.compile(r"logins/s at c\d+"), "429s at c32", "p99 at c32", "RSS fresh",
                  "RSS during logins (median / max)", "RSS 30 s after")
    m = re.search(r"= ([0-9.]+) logins/s", "\n".join(sec.lines))
    if not m:
        raise FormatError("section logins: no ceiling ('= N logins/s') in its text")
    return {"rate": t.fig(r"now$", 1, N), "ceiling": Fig(float(m.group(1)), sec),
            "429": t.fig(r"now$", 2, N), "p99_over": t.fig(r"now$", 3, N + " ms"),
            "fresh": t.fig(r"now$", 4, N + " MiB"), "during": t.fig(r"now$", 5, N + " / " + N + " MiB"),
            "after": t.fig(r"now$", 6, N + " MiB")}


def pg_figs(sec):
    t = sec.table("request", "SQLite req/s", "PG fibers req/s")
    return {k: (t.fig(label, 2, N), t.fig(label, 1, N)) for k, label in PG_ROWS}


def scale_tables(sec):
    """{engine: [(request, met, largest size)]} of one scale section (paginated requests only)."""
    out = {}
    for header, rows, before in sec.tables():
        if header[0] != "request" or header[-1] != "goal (p99 within 2x)":
            continue
        engine = re.match(r"^\*\*(\w+)\*\*", before)
        sizes = header[1:-2]
        if not engine or not sizes or not all(re.fullmatch(r"\d+x", s) for s in sizes):
            raise FormatError(f"section {sec.name}: a scale table without its engine or sizes: {header}")
        reqs = []
        for r in rows:
            if len(r) != len(header) or r[-1] not in VERDICTS:
                raise FormatError(f"section {sec.name}: row {r[0]!r} has {len(r)} cells or an unknown verdict {r[-1]!r}")
            if VERDICTS[r[-1]] is not None:
                measured = [s for s, c in zip(sizes, r[1:-2]) if c not in ("—", "")]
                reqs.append((r[0], VERDICTS[r[-1]], measured[-1]))
        out[engine.group(1)] = reqs
    if not out:
        raise FormatError(f"section {sec.name}: no scale table ('| request | 1x | ... | goal (p99 within 2x) |')")
    return out


def collect(sections):
    def get(name, fn):
        return fn(sections[name]) if name in sections else {}

    f = {"reads": get("reads", reads_figs), "shop": get("shop-sqlite", shop_figs),
         "shop_pg": get("shop-postgres", shop_figs), "microblog": get("microblog", microblog_figs),
         "chain": get("chain", chain_figs), "logins": get("logins", logins_figs),
         "pg": get("pg-vs-sqlite", pg_figs), "scale": {}}
    for name in sorted(sections):
        if name.startswith("scale-"):
            for engine, reqs in scale_tables(sections[name]).items():
                old = f["scale"].get(engine)
                if old is None or sections[name].date > old[0].date:
                    f["scale"][engine] = (sections[name], reqs)
    return f


# --- the table ------------------------------------------------------------------------------
NM = "not measured"
ORIGINAL = {  # issue 15's first table: the original systems on this machine
    "list": "439 req/s", "one": "703 req/s", "orders": "350 req/s", "login": "18 req/s",
    "admin": "651 ms", "mb_login": "820 req/s", "index": "113 req/s", "explore": "97 req/s",
    "user1": "573 req/s", "users": "185 req/s"}
GOAL1_REQUESTS = [
    ("orders", "shop GET /account/all-orders-list/ (customer, 12 orders)"),
    ("index", "microblog GET /index, signed in"), ("explore", "microblog GET /explore, signed in"),
    ("user1", "microblog GET /api/users/1"), ("users", "microblog GET /api/users")]
SHORT = {"orders": "customer orders", "index": "/index", "explore": "/explore",
         "user1": "/api/users/1", "users": "/api/users"}
ENGINES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
REF_TEXT = {"return 200": "nginx `return 200`", "static page": "nginx serving the page as a file"}


def plain_row(label, key, fig):
    """A request issue 15 sets no goal for: the newest figure, no verdict."""
    now = fmt(fig.value, "req/s") if fig else NM
    return [label, ORIGINAL[key], now, "—", "—", sources(fig)]


def goal1_row(label, key, f):
    now, ref = f["reads"].get(key, (None, None))
    refname = dict((k, r) for k, _, r in READS)[key]
    goal = f"≥ 50 % of {REF_TEXT[refname]} (goal 1)"
    if now is None or ref is None:
        return [label, ORIGINAL[key], NM, goal, NM, sources(now, ref)]
    pct = 100 * now.value / ref.value
    return [label, ORIGINAL[key], f"{fmt(now.value, 'req/s')}: {pct:.0f} % of {fmt(ref.value)}", goal,
            met(pct >= 50), sources(now)]


def login_row(f):
    lg = f["logins"]
    goal = "≥ 90 % of the argon2id ceiling (goal 6)"
    if not lg.get("rate"):
        return ["shop POST /account/login/", ORIGINAL["login"], NM, goal, NM, "—"]
    pct = 100 * lg["rate"].value / lg["ceiling"].value
    now = f"{fmt(lg['rate'].value, 'logins/s')}: {pct:.0f} % of {fmt(lg['ceiling'].value)}"
    return ["shop POST /account/login/", ORIGINAL["login"], now, goal, met(pct >= 90), sources(lg["rate"])]


def admin_row(f):
    fig = newest(f["reads"].get("admin"), f["shop"].get("admin"))
    now = f"{fig.value:.1f} ms (SQLite)" if fig else NM
    verdict = met(fig.value <= 20) if fig else NM
    return ["shop admin order list, 15,005 orders (curl)", ORIGINAL["admin"], now,
            "≤ 20 ms on SQLite (goal 3)", verdict, sources(fig)]


def request_rows(f):
    rows = [plain_row("shop GET /api/products/", "list", newest(f["chain"].get("direct"), f["shop"].get("list"))),
            plain_row("shop GET /api/product/2/", "one", f["shop"].get("one")),
            goal1_row(GOAL1_REQUESTS[0][1], "orders", f), login_row(f), admin_row(f),
            plain_row("microblog GET /auth/login", "mb_login", f["microblog"].get("login"))]
    return rows + [goal1_row(label, key, f) for key, label in GOAL1_REQUESTS[1:]]


def ratios(pairs, keys, goal_pct):
    """Per key, the first figure of its (figure, reference) pair as a % of the
    second: the parts of the cell, met or not (None: not measured) and the
    figures the sources name."""
    parts, oks, figs = [], [], []
    for key in keys:
        now, ref = pairs.get(key, (None, None))
        if now is None or ref is None:
            parts.append(f"{SHORT[key]} {NM}")
            oks.append(None)
            continue
        pct = 100 * now.value / ref.value
        parts.append(f"{SHORT[key]} {pct:.0f} %")
        oks.append(pct >= goal_pct)
        figs.append(now)
    return parts, oks, figs


def goal1(f):
    parts, oks, figs = ratios(f["reads"], [key for key, _ in GOAL1_REQUESTS], 50)
    return ["goal 1: authenticated reads near the limit", "—",
            f"{sum(o is True for o in oks)} of 5 met: " + ", ".join(parts), "each ≥ 50 % of its nginx reference",
            verdict(oks), sources(*figs)]


def verdict(oks):
    """**no** when one is not met, not measured when one is not measured, else yes."""
    if False in oks:
        return "**no**"
    return NM if None in oks or not oks else "yes"


def goal2(f):
    parts, oks, figs = ratios(f["pg"], [key for key, _ in PG_ROWS], 60)
    return ["goal 2: PostgreSQL close to SQLite", "—", "PostgreSQL / SQLite: " + ", ".join(parts),
            "each read ≥ 60 % of its SQLite rate", verdict(oks), sources(*figs)]


def goal3(f):
    lite = newest(f["reads"].get("admin"), f["shop"].get("admin"))
    pg, rss = f["shop_pg"].get("admin"), f["reads"].get("admin_rss")
    parts = [f"SQLite {fmt(lite.value, 'ms') if lite else NM}", f"PostgreSQL {fmt(pg.value, 'ms') if pg else NM}",
             f"shop RSS while serving it {fmt(rss.value, 'MiB') if rss else NM}"]
    oks = [lite.value <= 20 if lite else None, pg.value <= 25 if pg else None, rss.value <= 30 if rss else None]
    return ["goal 3: the admin list of 15,005 orders", ORIGINAL["admin"], ", ".join(parts),
            "≤ 20 ms SQLite, ≤ 25 ms PostgreSQL, RSS ≤ 30 MiB", verdict(oks), sources(lite, pg, rss)]


def goal4(f):
    lg, rss_admin = f["logins"], f["reads"].get("admin_rss")
    cat, mb = f["shop"].get("rss_catalogue"), f["microblog"].get("rss")
    parts, oks = [], []

    def add(text, figs):
        if figs is None:
            parts.append(f"{text} {NM}")
            oks.append(None)
            return
        figs = figs if isinstance(figs, tuple) else (figs,)
        parts.append(f"{text} " + " / ".join(f"{x.value:.1f}" for x in figs) + " MiB")
        oks.append(all(x.value <= 30 for x in figs))

    add("shop fresh", lg.get("fresh"))
    add("during logins (median / max)", lg.get("during"))
    add("30 s after logins", lg.get("after"))
    add("serving the admin list", rss_admin)
    add("catalogue load", cat)
    add("microblog under load (two servers)", mb)
    mbf = mb[0] if mb else None
    return ["goal 4: memory", "—", "; ".join(parts), "every instance ≤ 30 MiB", verdict(oks),
            sources(lg.get("fresh"), rss_admin, cat, mbf)]


def goal5(f):
    d, c = f["chain"].get("direct"), f["chain"].get("chain")
    if d is None or c is None:
        return ["goal 5: the chain", "—", NM, "≥ 80 % of the direct rate", NM, sources(d, c)]
    pct = 100 * c.value / d.value
    return ["goal 5: the chain (LB → web → app, GET /api/products/)", "—",
            f"{fmt(c.value, 'req/s')}: {pct:.0f} % of {fmt(d.value)} direct", "≥ 80 % of the direct rate",
            met(pct >= 80), sources(c)]


def goal6(f):
    lg = f["logins"]
    goal = "≥ 90 % of the ceiling; overload answered 429"
    if not lg.get("rate") or not lg.get("429") or not lg.get("p99_over"):
        return ["goal 6: logins at the physical limit", "—", NM, goal, NM, "—"]
    pct = 100 * lg["rate"].value / lg["ceiling"].value
    now = (f"{pct:.0f} % of the ceiling; at c32: {fmt(lg['429'].value)} answered 429, "
           f"p99 {fmt(lg['p99_over'].value, 'ms')}")
    return ["goal 6: logins at the physical limit", "—", now, goal,
            met(pct >= 90 and lg["429"].value > 0), sources(lg["rate"])]


# The paginated requests of each app that goal 7 names (bench/scale.sh's targets):
# an engine's figure counts only when its newest scale section measured both apps.
SCALE_APPS = {"shop": {"catalogue", "user-orders", "admin-page-1", "admin-page-last"},
              "microblog": {"index", "explore", "user-page", "api-users"}}


def goal7(f):
    parts, oks, secs = [], [], []
    for engine in ("sqlite", "postgres"):
        if engine not in f["scale"]:
            parts.append(f"{ENGINES[engine]} {NM}")
            oks.append(None)
            continue
        sec, reqs = f["scale"][engine]
        secs.append(Fig(0, sec))
        good = [r for r, ok, _ in reqs if ok]
        bad = [r for r, ok, _ in reqs if not ok]
        largest = {}
        for _, _, size in reqs:
            largest[size] = largest.get(size, 0) + 1
        at = " or ".join(f"{s} ({n})" for s, n in sorted(largest.items(), key=lambda x: -int(x[0][:-1])))
        if len(largest) == 1:
            at = next(iter(largest))
        names = {r for r, _, _ in reqs}
        missing = [app for app, targets in SCALE_APPS.items() if not names & targets]
        parts.append(f"{ENGINES[engine]}: {len(good)} of {len(reqs)} met at {at}"
                     + (f" (not met: {', '.join(bad)})" if bad else "")
                     + (f" ({' and '.join(missing)} {NM})" if missing else ""))
        oks.append(False if bad else (True if set(largest) == {"100x"} and not missing else None))
    return ["goal 7: cost as the data grows", "—", "; ".join(parts),
            "every paginated request's p99 at 100x within 2x of 1x, both engines", verdict(oks), sources(*secs)]


def render(sections):
    f = collect(sections)
    rows = request_rows(f) + [g(f) for g in (goal1, goal2, goal3, goal4, goal5, goal6, goal7)]
    out = ["## Summary (issue 15)", "",
           "Written by `bench/summary.py` from the sections below; every bench script that writes a",
           "section rewrites it, and ctest's `perf-summary` fails when it is stale. \"original\": issue",
           "15's figures for the original systems; \"now\": the newest section that measures the request",
           "the way its goal is stated (`ab` sections, A/Bs of two builds, are not used); \"from\": that",
           "section and its date. Each section says how it was measured and how busy the machine was.",
           "", "| request / goal | original | now | goal | met | from |", "|---|---:|---|---|---|---|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def splice(text, block):
    """The document with `block` between the summary markers (inserted before the first ## heading)."""
    lines = text.split("\n")
    if START in lines:
        s, e = lines.index(START), lines.index(END) if END in lines else -1
        if e < s:
            raise FormatError(f"{START} without {END} after it")
        return "\n".join(lines[: s + 1] + [block] + lines[e:])
    at = next((i for i, l in enumerate(lines) if l.startswith("## ")), None)
    if at is None:
        raise FormatError("no '## ' heading to put the summary before")
    return "\n".join(lines[:at] + [START, block, END, ""] + lines[at:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", type=Path, default=ROOT / "docs" / "performance.md")
    ap.add_argument("--check", action="store_true", help="exit 1 with a diff when the table is stale")
    args = ap.parse_args()
    try:
        text = args.file.read_text(encoding="utf-8")
    except OSError as e:
        print(f"bench/summary.py: cannot read {args.file}: {e.strerror}", file=sys.stderr)
        return 2
    try:
        sections = read_sections(text)
        sections.pop("summary", None)
        new = splice(text, render(sections))
    except FormatError as e:
        print(f"bench/summary.py: {args.file}: {e}; update bench/summary.py to the new format", file=sys.stderr)
        return 1
    if args.check:
        if new == text:
            print(f"bench/summary.py: the summary table of {args.file} is current")
            return 0
        diff = difflib.unified_diff(text.split("\n"), new.split("\n"), str(args.file), "regenerated", lineterm="")
        print("\n".join(diff))
        print(f"bench/summary.py: the summary table of {args.file} is stale: run bench/summary.py", file=sys.stderr)
        return 1
    if new != text:
        args.file.write_text(new, encoding="utf-8")
        print(f"bench/summary.py: wrote the summary table of {args.file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
