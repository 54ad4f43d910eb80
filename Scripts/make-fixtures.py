#!/usr/bin/env python3
"""Builds the HTML and text fixtures under Tests/Fixtures/pages/ from the seed texts in
Tests/Fixtures/seeds/. The fixtures are committed; rerun this only to change them.

Shapes: a WordPress block theme (lesson 1), a classic theme with the transcript as a <table>,
bulleted footnotes and a listed terminology (lesson 5), a bare news layout with <br> lines and
a late <meta charset> (lesson 5), a GB2312-labelled Chinese original with GBK-only characters
(lesson 12 source), and text variants (no blank lines, colon-less transcript header,
"Lesson Twelve" wording)."""
import html, re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "Tests/Fixtures/seeds"
OUT = ROOT / "Tests/Fixtures/pages"
OUT.mkdir(parents=True, exist_ok=True)

STAMP = re.compile(r"^\d{1,2}:\d{2}$")
FOOT = re.compile(r"^\s+(\d+)\. (.*)$")

def paragraphs(name):
    return [l.rstrip("\n") for l in (SEEDS / name).read_text(encoding="utf-8").split("\n") if l.strip()]

def esc(s):
    return html.escape(s, quote=False)

def is_heading(line):
    return len(line) < 60 and not line.endswith((".", ":", "”", "\"")) and not STAMP.match(line) and not re.search(r"[\u4e00-\u9fff]", line)

def split_post(lines):
    """Returns (body lines before the footnotes, footnotes as (n, text))."""
    body, notes, in_notes = [], [], False
    for line in lines:
        if line.strip() == "Footnotes":
            in_notes = True
            continue
        if in_notes:
            m = FOOT.match(line)
            if m:
                notes.append((int(m.group(1)), m.group(2).rstrip(" ↩︎").rstrip()))
            continue
        body.append(line)
    return body, notes

WP_HEAD = """<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} &#8211; Digital China Wins the Future</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2025-04-11T09:00:00+00:00">
<link rel="canonical" href="https://digitalchinawinsthefuture.com/{slug}/">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"BlogPosting","headline":"{title}","datePublished":"2025-04-11T09:00:00+00:00"}}</script>
<style>.wp-block-navigation{{display:flex}}</style>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
</head>
<body class="post-template-default single single-post wp-embed-responsive">
<a class="skip-link screen-reader-text" href="#wp--skip-link--target">Skip to content</a>
<div class="wp-site-blocks">
<header class="wp-block-template-part site-header">
<p class="wp-block-site-title"><a href="/">Digital China Wins the Future</a></p>
<nav class="wp-block-navigation"><ul><li><a href="/">Home</a></li><li><a href="/about/">About</a></li><li><a href="/lessons/">Lessons</a></li><li><a href="/glossary/">Glossary</a></li></ul></nav>
</header>
<main class="wp-block-group" id="wp--skip-link--target">
<article class="post type-post status-publish">
<h1 class="wp-block-post-title">{title}</h1>
<div class="wp-block-post-date"><time datetime="2025-04-11T09:00:00+00:00">April 11, 2025</time></div>
<div class="entry-content wp-block-post-content">
"""

WP_TAIL = """</div>
<div class="sharedaddy sd-sharing-enabled"><div class="sd-block sd-social"><h3 class="sd-title">Share this:</h3>
<ul><li><a href="https://twitter.com/share">Share on X (Opens in new window) X</a></li><li><a href="https://facebook.com/share">Share on Facebook (Opens in new window) Facebook</a></li></ul></div></div>
<div class="sharedaddy sd-block sd-like"><h3>Like this:</h3><div class="likes-widget-placeholder">Like Loading...</div></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related</em></h3>
<p><a href="/lesson-2/">Inside Digital China (2/13): New-Type Infrastructure</a> In "Digital China"</p></div>
</article>
<nav class="navigation post-navigation" aria-label="Posts"><div class="nav-previous"><a href="/prev/">Previous post: A Glossary of Digital China</a></div><div class="nav-next"><a href="/next/">Next post: Inside Digital China (2/13)</a></div></nav>
<div id="comments" class="comments-area"><div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form"><p class="comment-notes">Your email address will not be published. Required fields are marked *</p>
<p class="comment-form-comment"><label for="comment">Comment</label><textarea id="comment" name="comment"></textarea></p><p class="form-submit"><input type="submit" value="Post Comment"></p></form></div></div>
</main>
<aside class="widget-area"><section class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul><li><a href="/a/">Inside Digital China (13/13)</a></li><li><a href="/b/">Inside Digital China (12/13)</a></li></ul></section></aside>
<footer class="wp-block-template-part site-footer"><p class="has-text-align-center">Blog at WordPress.com.</p><p>PHP Code Snippets Powered By : XYZScripts.com</p></footer>
</div>
<div id="cookie-law-info-bar" class="cookie-banner">This website uses cookies to improve your experience. <a href="#">Accept cookies</a></div>
</body>
</html>
"""

def wordpress(name, seed, title, slug):
    body, notes = split_post(paragraphs(seed))
    out = [WP_HEAD.format(title=esc(title), slug=slug)]
    for line in body:
        if line.startswith("“") and "Lesson" in line and "of 13" in line:
            out.append(f"<blockquote class=\"wp-block-quote\"><p>{esc(line)}</p></blockquote>\n")
        elif is_heading(line):
            out.append(f"<h2 class=\"wp-block-heading\">{esc(line)}</h2>\n")
        elif STAMP.match(line.strip()):
            out.append(f"<p><strong>{esc(line.strip())}</strong></p>\n")
        else:
            text = esc(line)
            # footnote references as superscript links, as WordPress footnotes render them
            text = re.sub(r"([A-Za-z])(\d)( \(|:|,|\.)", lambda m: f'{m.group(1)}<sup class="fn"><a href="#fn{m.group(2)}" id="ref{m.group(2)}">{m.group(2)}</a></sup>{m.group(3)}', text)
            out.append(f"<p>{text}</p>\n")
    out.append("<h2 class=\"wp-block-heading\">Footnotes</h2>\n<ol class=\"wp-block-footnotes\">\n")
    for n, note in notes:
        out.append(f"<li id=\"fn{n}\">{esc(note)} <a href=\"#ref{n}\" aria-label=\"Jump to footnote reference {n}\">↩︎</a></li>\n")
    out.append("</ol>\n")
    out.append(WP_TAIL)
    (OUT / name).write_text("".join(out), encoding="utf-8")

def classic(name, seed, title):
    body, notes = split_post(paragraphs(seed))
    out = [f"""<!DOCTYPE html>
<html lang="en"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{esc(title)} | Digital China Wins the Future</title></head>
<body>
<div id="page"><div id="masthead" class="site-header"><div class="site-branding"><a href="/">Digital China Wins the Future</a></div>
<div id="site-navigation" class="main-navigation"><ul class="menu"><li><a href="/">Home</a></li><li><a href="/about">About</a></li></ul></div></div>
<div id="content" class="site-content"><div id="primary" class="content-area"><div id="main" class="site-main">
<div class="post hentry"><h1 class="entry-title">{esc(title)}</h1>
<div class="entry-meta">Posted on April 11, 2025 by <a href="/author/">editor</a></div>
<div class="entry-content">
"""]
    rows, current, in_transcript, in_terms = [], None, False, False
    for line in body:
        s = line.strip()
        if s.startswith("Terminology shortlist") and "(" in s:
            head, _, rest = s.partition(":")
            out.append("<p><strong>Key Terminology:</strong></p>\n<ul>\n")
            for item in re.findall(r"\s*([^,]+?\)),?", rest):
                out.append(f"<li>{esc(item.strip())}</li>\n")
            out.append("</ul>\n")
            continue
        if s.startswith("Video Transcript and Translation"):
            in_transcript = True
            out.append(f"<h3>{esc(s)}</h3>\n")
            continue
        if in_transcript:
            if STAMP.match(s):
                current = [s, "", ""]
                rows.append(current)
            elif current is not None:
                if re.search(r"[\u4e00-\u9fff]", s) and len(re.findall(r"[\u4e00-\u9fff]", s)) * 3 > len(s):
                    current[2] = s
                else:
                    current[1] = s
            else:
                out.append(f"<p><em>{esc(s)}</em></p>\n")
            continue
        out.append(f"<h3>{esc(s)}</h3>\n" if is_heading(s) else f"<p>{esc(s)}</p>\n")
    out.append('<table class="transcript"><thead><tr><th>Time</th><th>English</th><th>中文</th></tr></thead><tbody>\n')
    for t, en, zh in rows:
        out.append(f"<tr><td>{t}</td><td>{esc(en)}</td><td>{esc(zh)}</td></tr>\n")
    out.append("</tbody></table>\n<p>Footnotes</p>\n<ul class=\"footnotes\">\n")
    for n, note in notes:
        out.append(f"<li>{esc(note)} ↩︎</li>\n")
    out.append("""</ul>
</div>
<div class="entry-footer">Tags: <a href="/tag/digital-china">Digital China</a>, <a href="/tag/lessons">lessons</a></div>
</div>
<div id="comments" class="comments-area"><h2 class="comments-title">2 thoughts on this post</h2><ol class="comment-list"><li class="comment">Great translation, thanks!</li><li class="comment">Where is lesson 6?</li></ol></div>
</div></div>
<div id="secondary" class="widget-area sidebar"><div class="widget"><h2>Archives</h2><ul><li><a href="/2025/04/">April 2025</a></li></ul></div>
<div class="widget"><h2>Search</h2><form><input type="search"></form></div></div>
</div>
<div id="colophon" class="site-footer"><div class="site-info">Blog at WordPress.com.</div></div></div>
<script src="/wp-includes/js/jquery.js"></script>
</body></html>
""")
    (OUT / name).write_text("".join(out), encoding="utf-8")

def news(name, seed, title):
    body, notes = split_post(paragraphs(seed))
    lines = [esc(l.strip()) for l in body] + ["Footnotes"] + [f"{n}. {esc(t)}" for n, t in notes]
    page = f"""<html><head><title>{esc(title)}</title><meta charset="utf-8"></head>
<body><div class="topbar"><a href="/">News Home</a> | <a href="/world">World</a> | <a href="/tech">Tech</a></div>
<div class="story"><h1>{esc(title)}</h1><div class="story-body">{'<br>'.join(lines)}</div></div>
<div class="copyright">Copyright 2025 Example News. All rights reserved.</div></body></html>
"""
    (OUT / name).write_text(page, encoding="utf-8")

def chinese_original(name):
    body = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>数字中国建设系列之十二:构建开放共赢的数字领域国际合作格局_北京党员教育网</title></head>
<body><div class="nav"><a href="/">首页</a> | <a href="/dyjy/">党员教育</a> | <a href="/sp/">视频</a></div>
<div class="main"><h1>数字中国建设系列之十二:构建开放共赢的数字领域国际合作格局</h1>
<div class="info">发布时间:2025-04-11 来源:北京党员教育网</div>
<div class="content">
<p>主讲:北京国恒智林文化传播有限公司</p>
<p>时长:09:13</p>
<p>简介:构建开放共赢的数字领域国际合作格局,是数字中国建设的重要内容。要统筹谋划数字领域国际合作,建立多边参与、多方参与的数字领域国际交流合作体系,高质量共建“数字丝绸之路”。</p>
<p>00:25</p>
<p>当今世界,数字技术日新月异,数字经济蓬勃发展,深刻改变着人类生产生活方式。各国围绕数字领域的合作与竞争日趋激烈。</p>
<p>01:02</p>
<p>习近平总书记指出,各国应该深化务实合作,以共进为动力、以共赢为目标,走出一条互信共治之路,让网络空间命运共同体更具生机活力。朱镕基同志曾强调对外开放的重要性,陶喆等文艺工作者也积极参与数字文化交流。</p>
<p>02:10</p>
<p>高质量共建“数字丝绸之路”,积极发展“丝路电商”,构建和平、安全、开放、合作、有序的网络空间。</p>
</div></div>
<div class="footer">版权所有:北京党员教育网 京ICP备00000000号</div></body></html>
"""
    (OUT / name).write_bytes(body.encode("gb18030"))

def text_variants():
    lesson5 = paragraphs("001_e888cff12df4c64b.txt")
    # No blank lines at all, colon after the transcript header, bulleted footnotes.
    out = []
    for line in lesson5:
        if line.strip() == "Video Transcript and Translation":
            line = "Video Transcript and Translation:"
        m = FOOT.match(line)
        if m:
            line = "• " + m.group(2)
        out.append(line)
    (OUT / "lesson-5.noblank.txt").write_text("\n".join(out) + "\n", encoding="utf-8")
    # "Lesson Twelve" wording: the lesson 1 post re-titled as lesson 12 in words.
    lesson1 = (SEEDS / "000_cab2845c5521bb26.txt").read_text(encoding="utf-8")
    lesson12 = lesson1.replace("(Lesson 1 of 13): Why Should We Accelerate Digital China Construction?",
                               "(Lesson Twelve): Build an Open and Win-Win Pattern of International Cooperation in the Digital Domain")
    lesson12 = lesson12.replace("Digital China Construction Series 1: Why Should We Accelerate Digital China Construction?” (数字中国建设系列之一:为什么要加快数字中国建设)",
                                "Digital China Construction Series 12: Build an Open and Win-Win Pattern of International Cooperation in the Digital Domain” (数字中国建设系列之十二:构建开放共赢的数字领域国际合作格局)")
    lesson12 = lesson12.replace("Lesson One", "Lesson Twelve")
    (OUT / "lesson-12.words.txt").write_text(lesson12, encoding="utf-8")

wordpress("lesson-1.wordpress.html", "000_cab2845c5521bb26.txt", "Inside Digital China (1/13): Why Accelerate Digital China?", "lesson-1")
classic("lesson-5.classic.html", "001_e888cff12df4c64b.txt", "Inside Digital China (5/13): Digital Government")
news("lesson-5.news.html", "001_e888cff12df4c64b.txt", "Inside Digital China (5/13): Digital Government")
wordpress("policy.wordpress.html", "002_33b4e771621f73b9.txt", "The Overall Layout Planning of Digital China Construction", "policy")
chinese_original("lesson-12-source.gb2312.html")
text_variants()


def linked_variants():
    """Lesson posts whose citation line links to the Chinese original (the live posts' shape):
    WordPress block (the whole line is the link, absolute) and classic (only the title, relative);
    and the original with all its metadata on one line (full-width colons, &nbsp; runs)."""
    wordpress_page = (OUT / "lesson-1.wordpress.html").read_text(encoding="utf-8")
    line = re.search(r"<p>(“Digital China Construction Series 1:.*?)</p>", wordpress_page).group(1)
    (OUT / "lesson-1.linked.wordpress.html").write_text(wordpress_page.replace(
        f"<p>{line}</p>", f'<p><a href="https://www.bjcc.gov.cn/dyjy/sp/2025/0411/1001.shtml">{line}</a></p>'), encoding="utf-8")
    classic_page = (OUT / "lesson-5.classic.html").read_text(encoding="utf-8")
    line = re.search(r"<p>(“Digital China Construction Series 5/13:[^\n<]*)", classic_page).group(1)
    title_end = line.index("), Beijing") + 1
    (OUT / "lesson-5.linked.classic.html").write_text(classic_page.replace(
        f"<p>{line}", f'<p><a href="/go/original?id=5">{line[:title_end]}</a>{line[title_end:]}', 1), encoding="utf-8")
    original = (OUT / "lesson-12-source.gb2312.html").read_bytes().decode("gb18030")
    original = original.replace('<div class="info">发布时间:2025-04-11 来源:北京党员教育网</div>',
                                '<div class="info">发布时间：2025-04-11&nbsp;&nbsp;来源：北京党员教育网&nbsp;&nbsp;主讲人：北京国恒智林文化传播有限公司'
                                '&nbsp;&nbsp;时长：9分13秒&nbsp;&nbsp;责任编辑：王小明</div>')
    original = original.replace("<p>主讲:北京国恒智林文化传播有限公司</p>\n", "").replace("<p>时长:09:13</p>\n", "").replace("<p>简介:", "<p>内容简介：")
    (OUT / "lesson-12-source.oneline.gb2312.html").write_bytes(original.encode("gb18030"))


linked_variants()
print("wrote", sorted(p.name for p in OUT.iterdir()))
