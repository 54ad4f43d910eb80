#!/usr/bin/env python3
"""Judges a site written by `dccorpus export --format site` with tools we did not write.

  check-site.py SITE_DIR [--hostile DOCUMENT_ID] [--browser] [--shots DIR]

- html5lib parses every page strictly (any HTML5 parse error fails);
- every link inside the site resolves to a generated file, and every #fragment to an id there;
- no page has a <script>, an <img>, an inline event handler or a resource from elsewhere;
- every piece of text with Chinese characters sits under lang="zh-CN", and every page, main
  and table cell of English under lang="en";
- --hostile ID: that document's page shows the markup in its text as text;
- --browser: headless Chromium renders the index, a lesson page and the glossary at 1280 and
  390 px wide (screenshots in --shots), and a measuring copy of each page reports the document's
  scrollWidth: at 390 px it must not exceed the viewport (no horizontal scrolling).
Prints one line per failure and a summary; exit 1 on any failure."""
import argparse, os, re, shutil, subprocess, sys, tempfile
from urllib.parse import urlsplit, unquote

import html5lib

parser = argparse.ArgumentParser()
parser.add_argument("site")
parser.add_argument("--hostile", action="append", default=[])
parser.add_argument("--browser", action="store_true")
parser.add_argument("--shots")
args = parser.parse_args()

site = os.path.abspath(args.site)
failures = []
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
pages = sorted(
    os.path.relpath(os.path.join(folder, name), site)
    for folder, _, names in os.walk(site) for name in names if name.endswith(".html"))
if "index.html" not in pages or "glossary.html" not in pages:
    failures.append("the site has no index.html or glossary.html")

trees, ids = {}, {}
for page in pages:
    with open(os.path.join(site, page), "rb") as handle:
        data = handle.read()
    try:
        tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(data)
    except Exception as error:  # html5lib.html5parser.ParseError and encoding errors
        failures.append(f"{page}: HTML5 parse error: {error}")
        continue
    trees[page] = tree
    ids[page] = {element.get("id") for element in tree.iter() if element.get("id")}

for page, tree in trees.items():
    parents = {child: parent for parent in tree.iter() for child in parent}
    html = tree if tree.tag == "html" else tree.find(".//html")
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in ("script", "img", "iframe", "object", "embed"):
            failures.append(f"{page}: a <{tag}> element")
        for name in element.attrib:
            if name.lower().startswith("on"):
                failures.append(f"{page}: <{tag} {name}=…>")
        for attribute in ("href", "src"):
            target = element.get(attribute)
            if target is None:
                continue
            parts = urlsplit(target)
            if parts.scheme in ("http", "https") and tag == "a":
                continue  # a link out is fine; a resource from elsewhere is not
            if parts.scheme or parts.netloc:
                failures.append(f"{page}: <{tag} {attribute}={target!r}> leaves the site")
                continue
            file = os.path.normpath(os.path.join(os.path.dirname(page), unquote(parts.path))) if parts.path else page
            if not os.path.isfile(os.path.join(site, file)):
                failures.append(f"{page}: {target} does not resolve to a generated file")
            elif parts.fragment and parts.fragment not in ids.get(file, set()):
                failures.append(f"{page}: {target}: no element with that id")

        def language(node):
            while node is not None:
                if node.get("lang"):
                    return node.get("lang")
                node = parents.get(node)
            return None

        if element.text and HAN.search(element.text) and tag not in ("title",) and language(element) != "zh-CN":
            failures.append(f"{page}: Chinese text without lang=zh-CN: {element.text.strip()[:40]!r}")
        if element.tail and HAN.search(element.tail) and language(parents.get(element)) != "zh-CN":
            failures.append(f"{page}: Chinese text without lang=zh-CN: {element.tail.strip()[:40]!r}")
    if html is None or html.get("lang") not in ("en", "zh-CN"):
        failures.append(f"{page}: <html> has no lang")
    for main in tree.iter("main"):
        if main.get("lang") != "en":
            failures.append(f"{page}: <main> is not lang=en")

for document in args.hostile:
    page = f"documents/{document}.html"
    tree = trees.get(page)
    if tree is None:
        failures.append(f"--hostile {document}: no page {page}")
        continue
    text = "".join(tree.find(".//main").itertext())
    for needle in ("<script>", "\"><img", "onerror="):
        if needle not in text:
            failures.append(f"{page}: {needle!r} is not shown as text")

shots = 0
if args.browser:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        failures.append("--browser: no chromium on PATH (Scripts/setup.sh installs it)")
    else:
        lessons = [p for p in pages if re.fullmatch(r"documents/lesson-\d+\.html", p)]
        targets = ["index.html", "glossary.html"] + lessons[:1]
        for target in targets:
            source = os.path.join(site, target)
            for width in (1280, 390):
                common = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                          "--allow-file-access-from-files"]
                if args.shots:
                    os.makedirs(args.shots, exist_ok=True)
                    shot = os.path.join(args.shots, f"{width}-{target.replace('/', '_')}.png")
                    subprocess.run(common + [f"--window-size={width},1200", f"--screenshot={shot}", "file://" + source],
                                   capture_output=True, timeout=120)
                    shots += os.path.exists(shot)
                # Headless windows have a minimum width (500 px), so the page is measured in a frame
                # exactly WIDTH wide: the frame's own document reports its scrollWidth.
                probe = os.path.join(os.path.dirname(source), ".measure.html")
                with open(probe, "w", encoding="utf-8") as handle:
                    handle.write(
                        f'<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="{os.path.basename(target)}" '
                        f'style="width:{width}px;height:1200px;border:0"></iframe><script>'
                        "const f = document.getElementById('f');"
                        "f.addEventListener('load', () => { const d = f.contentDocument.documentElement;"
                        "document.body.setAttribute('data-measured', d.scrollWidth + ' ' + d.clientWidth); });"
                        "</script></body></html>")
                try:
                    dom = subprocess.run(common + ["--window-size=1400,1300", "--dump-dom", "file://" + probe],
                                         capture_output=True, timeout=120, text=True).stdout
                finally:
                    os.unlink(probe)
                found = re.search(r'data-measured="(\d+) (\d+)"', dom)
                if not found:
                    failures.append(f"{target} at {width} px: the browser reported no measurement")
                    continue
                scroll, client = int(found.group(1)), int(found.group(2))
                if client != width:
                    failures.append(f"{target} at {width} px: the frame was {client} px wide")
                elif scroll > client:
                    failures.append(f"{target} at {width} px: scrollWidth {scroll} > viewport {client} (scrolls sideways)")
                else:
                    print(f"browser: {target} at {width} px: scrollWidth {scroll}, viewport {client}")

for failure in failures:
    print("FAIL", failure)
print(f"site: {len(pages)} pages, {len(failures)} failures" + (f", {shots} screenshots" if args.shots else ""))
sys.exit(1 if failures else 0)
