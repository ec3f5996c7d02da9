"""Screenshots of every public and back-office page, in several languages and on a phone and a desktop, with axe.

    .venv/bin/python scripts/screenshots.py [--out screenshots] [--locales en,nl,ar] [--max-pages 80]

Sets up the demo (two municipalities, a project in every method) on a fresh SQLite database in a temporary folder,
serves it, then crawls Demo City from its home page twice: as a visitor and signed in as its administrator (the
back office is reached from the pages themselves, so a page nobody links to is not shot; the crawl says what it
found). Pages whose address differs only by numbers (``/ideas/12`` and ``/ideas/13``) count once. Every page is
shot in each language at 390x844 and 1280x900 (full page) into ``OUT/<who>/<locale>-<width>/<page>.png`` and
checked with axe-core (WCAG 2.1 A/AA, the npm copy pinned in package.json); ``OUT/report.txt`` lists each page's
violations, and the command exits 1 when there are any. Needs Debian's chromium and Playwright, as the browser tests
do (``scripts/test.sh`` installs them).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "screenshot-password-123"  # noqa: S105 - the throw-away demo's accounts
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}
SKIP = re.compile(r"/(logout|static|api|healthz|embed)\b|\.(csv|xlsx|json|geojson|pb|png|jpg|svg)$|\.ics$|/export")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_demo(folder: Path, port: int) -> subprocess.Popen:
    database = f"sqlite+aiosqlite:///{folder / 'demo.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": database, "TOWNHALL_LOG_LEVEL": "WARNING"}
    command = [str(ROOT / ".venv" / "bin" / "townhall"), "demo", "--port", str(port), "--password", PASSWORD]
    proc = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the demo exited: {proc.stderr.read().decode()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://localhost:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the demo did not answer within 180 s")


def pattern(path: str) -> str:
    """The page a path stands for: numbers replaced, so one idea stands for every idea."""
    return re.sub(r"/\d+", "/N", path.rstrip("/") or "/")


def crawl(page, base: str, limit: int) -> list[str]:
    """Same-site pages reachable from the home page by links (GET only), one path per pattern, in visiting order."""
    from playwright.sync_api import Error as PlaywrightError

    seen: dict[str, str] = {}
    queue = ["/"]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if pattern(path) in seen:
            continue
        try:
            response = page.goto(base + path)
        except PlaywrightError:  # a download (a calendar file, an export) is not a page
            continue
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        seen[pattern(path)] = path
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urlsplit(urljoin(base + path, href))
            if target.netloc != urlsplit(base).netloc or SKIP.search(target.path):
                continue
            bare = re.sub(r"^/(en|nl|fr|de|nb|ar)(?=/|$)", "", target.path) or "/"
            if pattern(bare) not in seen:
                queue.append(bare + (f"?{target.query}" if target.query and "page=" not in target.query else ""))
    return list(seen.values())


def axe(page) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => `${v.id} (${v.impact}): ${v.nodes.length} node(s), e.g. ${v.nodes[0].target}`);
        }""",
        AXE_TAGS,
    )
    return list(found)


def sign_in(page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", "admin@demo-city.example")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="screenshots", help="folder for the images and report.txt")
    parser.add_argument("--locales", default="en,nl,ar")
    parser.add_argument("--max-pages", type=int, default=250, help="pages per crawl (visitor, administrator)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    locales = [code.strip() for code in args.locales.split(",") if code.strip()]
    report: list[str] = []
    total = 0
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        server = start_demo(Path(folder), port)
        base = f"http://localhost:{port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
                for who in ("visitor", "admin"):
                    context = browser.new_context(bypass_csp=True)  # axe is injected as a script tag
                    page = context.new_page()
                    if who == "admin":
                        sign_in(page, base)
                    paths = crawl(page, base, args.max_pages)
                    print(f"{who}: {len(paths)} pages", flush=True)
                    for locale in locales:
                        for screen, (width, height) in VIEWPORTS.items():
                            page.set_viewport_size({"width": width, "height": height})
                            folder_out = out / who / f"{locale}-{width}"
                            folder_out.mkdir(parents=True, exist_ok=True)
                            for path in paths:
                                page.goto(f"{base}/{locale}{path if path != '/' else '/'}")
                                name = re.sub(r"[^a-zA-Z0-9]+", "_", path).strip("_") or "home"
                                page.screenshot(path=str(folder_out / f"{name}.png"), full_page=True)
                                problems = axe(page)
                                total += len(problems)
                                for problem in problems:
                                    report.append(f"{who} {locale} {screen} {path}: {problem}")
                                    print(report[-1], flush=True)  # as found: a long run can be read while it goes
                    context.close()
                browser.close()
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    (out / "report.txt").write_text("\n".join(report) + ("\n" if report else "no axe violations\n"), encoding="utf-8")
    print(f"screenshots in {out}; axe violations: {total} (see {out / 'report.txt'})")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
