from docforge.markup.parser import parse
from docforge.render.html import HtmlRenderer, render_html


def test_paragraph_and_escaping():
    assert render_html("a < b & \"c\"") == "<p>a &lt; b &amp; &quot;c&quot;</p>\n"


def test_empty_document_renders_empty_string():
    assert render_html("") == ""


def test_heading_has_id():
    assert render_html("## Hello World") == '<h2 id="hello-world">Hello World</h2>\n'


def test_heading_anchor_link_option():
    html = HtmlRenderer(heading_anchors=True).render(parse("# Top"))
    assert html == '<h1 id="top">Top <a class="anchor" href="#top">#</a></h1>\n'


def test_inline_formatting():
    assert render_html("*a* **b** ~~c~~ `d<`") == \
        "<p><em>a</em> <strong>b</strong> <del>c</del> <code>d&lt;</code></p>\n"


def test_link_with_title():
    assert render_html('[x](/a "The <A>")') == \
        '<p><a href="/a" title="The &lt;A&gt;">x</a></p>\n'


def test_javascript_link_is_neutralised():
    assert render_html("[x](javascript:alert(1))") == '<p><a href="#">x</a></p>\n'


def test_unsafe_links_allowed_when_disabled():
    html = HtmlRenderer(safe_links=False).render(parse("[x](javascript:go)"))
    assert html == '<p><a href="javascript:go">x</a></p>\n'


def test_link_url_is_percent_encoded():
    assert render_html("[x](<a b.md>)") == '<p><a href="a%20b.md">x</a></p>\n'


def test_image():
    assert render_html('![alt "q"](p.png)') == '<p><img src="p.png" alt="alt &quot;q&quot;"></p>\n'


def test_xhtml_void_elements():
    html = HtmlRenderer(xhtml=True).render(parse("a  \nb\n\n---"))
    assert html == "<p>a<br />\nb</p>\n<hr />\n"


def test_code_block_language_class():
    assert render_html("```js\nlet a = 1 < 2;\n```") == \
        '<pre><code class="language-javascript">let a = 1 &lt; 2;\n</code></pre>\n'


def test_code_block_title_and_highlight():
    assert render_html('```py {1} title="a.py"\nx\n```') == \
        '<pre><code class="language-python" data-title="a.py"><span class="hl">x</span>\n</code></pre>\n'


def test_code_block_line_numbers_option():
    html = HtmlRenderer(line_numbers=True).render(parse("```\nx\n```"))
    assert html == '<pre><code><span class="ln">1</span>x\n</code></pre>\n'


def test_blockquote():
    assert render_html("> hi") == "<blockquote>\n<p>hi</p>\n</blockquote>\n"


def test_empty_blockquote():
    assert render_html(">") == "<blockquote>\n</blockquote>\n"


def test_tight_list():
    assert render_html("- a\n- b") == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"


def test_loose_list():
    assert render_html("- a\n\n- b") == "<ul>\n<li>\n<p>a</p>\n</li>\n<li>\n<p>b</p>\n</li>\n</ul>\n"


def test_ordered_list_start_attribute():
    assert render_html("3. x") == '<ol start="3">\n<li>x</li>\n</ol>\n'
    assert render_html("1. x") == "<ol>\n<li>x</li>\n</ol>\n"


def test_nested_tight_list():
    assert render_html("- a\n  - b") == "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n</ul>\n"


def test_empty_list_item():
    assert render_html("-\n- b") == "<ul>\n<li></li>\n<li>b</li>\n</ul>\n"


def test_task_list_checkboxes():
    assert render_html("- [x] done\n- [ ] todo") == (
        '<ul>\n<li><input type="checkbox" disabled checked> done</li>\n'
        '<li><input type="checkbox" disabled> todo</li>\n</ul>\n')


def test_table_rendering():
    assert render_html("| a | b |\n|:-:|---|\n| 1 | 2 |") == (
        "<table>\n<thead>\n"
        '<tr><th style="text-align: center">a</th><th>b</th></tr>\n'
        "</thead>\n<tbody>\n"
        '<tr><td style="text-align: center">1</td><td>2</td></tr>\n'
        "</tbody>\n</table>\n")


def test_table_without_body():
    assert render_html("| a |\n|---|") == "<table>\n<thead>\n<tr><th>a</th></tr>\n</thead>\n</table>\n"


def test_footnotes_section():
    assert render_html("Hi[^1].\n\n[^1]: Note.") == (
        '<p>Hi<sup class="footnote-ref"><a href="#fn-1" id="fnref-1">1</a></sup>.</p>\n'
        '<section class="footnotes">\n<ol>\n<li id="fn-1">\n'
        '<p>Note. <a href="#fnref-1" class="footnote-backref">\u21a9</a></p>\n'
        "</li>\n</ol>\n</section>\n")


def test_footnote_backref_after_non_paragraph_block():
    html = HtmlRenderer(footnote_backref="^").render(parse("x[^a]\n\n[^a]:\n    - item"))
    assert '<li id="fn-1">\n<ul>\n<li>item</li>\n</ul> <a href="#fnref-1" class="footnote-backref">^</a>\n</li>' in html


def test_render_html_accepts_document():
    assert render_html(parse("x")) == "<p>x</p>\n"
