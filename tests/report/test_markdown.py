"""The safe markdown subset: formatting works, nothing from user text becomes a tag or a script."""
from __future__ import annotations

import re

import pytest

from py_tracker.reporting.markdown import render, safe_url


def test_blocks_and_inline() -> None:
    out = render("# Title\n\nSome **bold**, *it*, _it2_ and `a<b`.\n\n- one\n- [two](https://x.org/a_b_c)\n\n"
                 "1. first\n2. second\n\n> quoted\n\n```python\nx = '<b>'\n```\n---")
    assert "<h1>Title</h1>" in out
    assert "<strong>bold</strong>" in out and "<em>it</em>" in out and "<em>it2</em>" in out
    assert "<code>a&lt;b</code>" in out
    assert '<li><a href="https://x.org/a_b_c" rel="noopener noreferrer">two</a></li>' in out
    assert "<ol><li>first</li><li>second</li></ol>" in out
    assert "<blockquote><p>quoted</p></blockquote>" in out
    assert "<pre><code class=\"lang-python\">x = &#x27;&lt;b&gt;&#x27;</code></pre>" in out
    assert "<hr>" in out
    assert render("snake_case_name and 2*3*4") == "<p>snake_case_name and 2*3*4</p>"


@pytest.mark.parametrize("evil", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox)",
    '[x](https://ok.org/"onmouseover="alert(1))',
    "```js\"><script>alert(1)</script>\n```",
    "# <svg onload=alert(1)>",
    "**<iframe src=javascript:alert(1)>**",
])
def test_no_tag_or_script_from_user_text(evil: str) -> None:
    out = render(evil)
    tags = set(re.findall(r"<([a-zA-Z0-9]+)", out))
    assert tags <= {"p", "h1", "strong", "em", "a", "pre", "code", "br"}, out
    assert "javascript:" not in out.lower().replace("&", "") or "href" not in out
    assert not re.search(r"<[^>]*\son\w+=", out), out
    for href in re.findall(r'href="([^"]*)"', out):
        assert href.startswith(("https://", "http://", "#")), href


def test_safe_url() -> None:
    assert safe_url("https://a.org") == "https://a.org"
    assert safe_url("#charts") == "#charts"
    assert safe_url("notes/page.html") == "notes/page.html"
    assert safe_url("java\tscript:alert(1)") is None
    assert safe_url("//evil.org/x") is None
    assert safe_url("mailto:a@b.org") == "mailto:a@b.org"
