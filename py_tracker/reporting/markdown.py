"""A tiny, safe Markdown subset for report notes: everything is escaped first.

Supported: `#`..`######` headings, paragraphs, `-`/`*`/`+` and `1.` lists,
`>` quotes, ``` fenced code, `---` rules, and inline `code`, **bold**,
*italic*/_italic_ and [links](https://...). Raw HTML is shown as text, and a
link keeps its URL only for http, https and mailto (or a relative/fragment
URL); anything else (javascript:, data:, vbscript:...) becomes plain text.
No construct can produce a tag attribute, script or event handler from user
text: the only tags emitted are the fixed ones above.
"""
from __future__ import annotations

import html
import re

SAFE_SCHEMES = ("http", "https", "mailto")

_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])|(?<![\w])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w])")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ULIST = re.compile(r"^\s*[-*+]\s+(.*)$")
_OLIST = re.compile(r"^\s*\d{1,9}[.)]\s+(.*)$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")


def safe_url(url: str) -> str | None:
    """The URL if it is safe to put in href (http/https/mailto, relative, #fragment), else None."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(url))
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", cleaned)
    if m is None:
        return url if not cleaned.startswith("//") else None  # protocol-relative: reaches the network
    return url if m.group(1).lower() in SAFE_SCHEMES else None


def inline(text: str) -> str:
    """Escape `text` and apply inline markup (code spans are kept verbatim)."""
    out = []
    pos = 0
    for m in _CODE.finditer(text):
        out.append(_inline_plain(text[pos:m.start()]))
        out.append(f"<code>{html.escape(m.group(1))}</code>")
        pos = m.end()
    out.append(_inline_plain(text[pos:]))
    return "".join(out)


def _emphasis(s: str) -> str:
    s = _BOLD.sub(r"<strong>\1</strong>", s)
    return _ITALIC.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", s)


def _inline_plain(text: str) -> str:
    s = html.escape(text.replace("\x00", ""), quote=True)
    links: list[str] = []

    def link(m: re.Match) -> str:
        url = safe_url(m.group(2))
        label = _emphasis(m.group(1))
        links.append(label if url is None else f'<a href="{url}" rel="noopener noreferrer">{label}</a>')
        return f"\x00{len(links) - 1}\x00"
    s = _emphasis(_LINK.sub(link, s))  # links are held aside so emphasis never reaches a URL
    return re.sub("\x00(\\d+)\x00", lambda m: links[int(m.group(1))], s)


def render(text: str) -> str:
    """Markdown (the subset above) to HTML that is safe to embed in a page."""
    if not isinstance(text, str):
        text = str(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    para: list[str] = []
    i = 0

    def flush_para() -> None:
        if para:
            out.append("<p>" + "<br>\n".join(inline(p) for p in para) + "</p>")
            para.clear()

    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            flush_para()
            lang = line.strip()[3:].strip()
            body = []
            i += 1
            while i < len(lines) and not lines[i].lstrip().startswith("```"):
                body.append(lines[i])
                i += 1
            i += 1
            cls = f' class="lang-{html.escape(re.sub(r"[^A-Za-z0-9_+-]", "", lang))}"' if lang else ""
            out.append(f"<pre><code{cls}>{html.escape(chr(10).join(body))}</code></pre>")
            continue
        if not line.strip():
            flush_para()
            i += 1
            continue
        m = _HEADING.match(line)
        if m:
            flush_para()
            level = len(m.group(1))
            out.append(f"<h{level}>{inline(m.group(2))}</h{level}>")
            i += 1
            continue
        if _RULE.match(line):
            flush_para()
            out.append("<hr>")
            i += 1
            continue
        for regex, tag in ((_ULIST, "ul"), (_OLIST, "ol")):
            if regex.match(line):
                flush_para()
                items = []
                while i < len(lines) and regex.match(lines[i]):
                    items.append(f"<li>{inline(regex.match(lines[i]).group(1))}</li>")  # type: ignore[union-attr]
                    i += 1
                out.append(f"<{tag}>" + "".join(items) + f"</{tag}>")
                break
        else:
            if line.lstrip().startswith(">"):
                flush_para()
                quote = []
                while i < len(lines) and lines[i].lstrip().startswith(">"):
                    quote.append(lines[i].lstrip()[1:].lstrip())
                    i += 1
                out.append(f"<blockquote>{render(chr(10).join(quote))}</blockquote>")
                continue
            para.append(line.strip())
            i += 1
    flush_para()
    return "\n".join(out)
