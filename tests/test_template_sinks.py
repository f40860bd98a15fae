"""No sink writes unescaped HTML except through the sanitiser (a static check).

Jinja escapes every ``{{ }}`` of an HTML template. What bypasses that is listed here and
must be reviewed: in templates ``|safe``, ``{% filter safe %}``, ``Markup(...)`` and
``{% autoescape false %}``; in the Python packages ``Markup`` (and ``markupsafe``), an
``__html__`` method, an ``autoescape`` setting and templates built from strings; in the
editor's script (``frontend/src``) ``innerHTML``, ``outerHTML``, ``insertAdjacentHTML``,
``document.write`` and their relatives. Every occurrence must match an entry of the
allow-lists below, each with the reason it is safe; a new one fails with its file and
line. Review it, then escape it or add it here with its reason. An entry that matches
nothing any more fails too, so that the lists stay what the code does.

Template and Python entries are keyed by file and expression (not by line); script
entries by a pattern of the statement that writes (``this.body.innerHTML = html``),
whatever file or line it is on, so that moving code between modules does not need the
list to change.

The dynamic counterpart, payloads through every rendering path, is tests/test_xss.py.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parent.parent
PYTHON_PACKAGES = ("platform/coelab", "cohort", "casestudies", "recommendations", "templates")
SCRIPT_SOURCES = "frontend/src"
SCRIPT_SUFFIXES = (".js", ".mjs", ".cjs", ".ts")
_NOT_SOURCES = {".venv", "node_modules", "frontend", "dist", ".git", "build"}

SANITISED = ("render_markdown's output (coelab.documents.render: Markdown, then bleach with "
             "an allow-list of tags, attributes and URL schemes)")

# (template, expression): why it may skip escaping
TEMPLATE_SINKS: dict[tuple[str, str], str] = {
    ("templates/coelab/version.html", "version.html|safe"):
        f"DocumentVersion.html is {SANITISED}, stored by documents.operations.save_version",
    ("templates/coelab/diff.html", "line.html|safe"):
        "DiffLine.html is built by documents.operations.diff_versions from html.escape()d "
        "text and the constant tags <ins> and <del>",
    ("templates/coelab/diff.html", "'&nbsp;'|safe"): "a constant",
    ("templates/coelab/export/print.html", "body|safe"):
        f"deliverables.export passes a version's stored HTML, {SANITISED}",
    ("templates/recommendations/corpus_entry.html", "item.html|safe"):
        f"CorpusItem.html is {SANITISED}, stored by recommendations.operations.add_to_corpus",
    ("templates/recommendations/rendered.html", "html|safe"):
        "recommendations.operations.combined_html: the entries' text through "
        f"{SANITISED}, the headings escaped",
}

# (file, what, where: the enclosing function or class, or "<module>"): why it is safe
PYTHON_SINKS: dict[tuple[str, str, str], str] = {}

# regular expression the whole statement must match (whitespace collapsed, in any file,
# on any line): why it is safe
SCRIPT_SINKS: dict[str, str] = {
    r"(this\.body|previewBody)\.innerHTML = (json\.)?html":
        "the `html` of the document preview's JSON (GET /documents/<id>/preview, read by "
        f"fetchPreview and checked to be a string), {SANITISED}",
}


@dataclass(frozen=True)
class Sink:
    path: str
    line: int
    key: tuple
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def _sources(root: Path, suffixes: tuple[str, ...], skip=_NOT_SOURCES) -> list[Path]:
    """The files under ``root`` with one of the suffixes, outside the ``skip`` folders
    (which are not even walked: the virtualenv, node_modules, the built bundle)."""
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in skip)
        found += [Path(folder) / name for name in sorted(files) if name.endswith(suffixes)]
    return found


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# --- templates ---------------------------------------------------------------------------


def template_files() -> list[Path]:
    """Every Jinja template of the repository: the shared ``templates/`` folder and any
    other folder of templates (a plugin's, the test plugins')."""
    return [path for path in _sources(ROOT, (".html", ".jinja", ".j2"))
            if any("templates" in part for part in path.relative_to(ROOT).parts[:-1])]


def _expr(node: nodes.Node) -> str:
    """A template expression written back, enough to tell one sink from another."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_expr(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{_expr(node.node)}[{_expr(node.arg)}]"
    if isinstance(node, nodes.Const):
        return repr(node.value)
    if isinstance(node, nodes.Filter):
        inner = _expr(node.node) if node.node is not None else "{% filter %}"
        return f"{inner}|{node.name}"
    if isinstance(node, nodes.Call):
        return f"{_expr(node.node)}(...)"
    if isinstance(node, nodes.CondExpr):
        otherwise = f" else {_expr(node.expr2)}" if node.expr2 is not None else ""
        return f"{_expr(node.expr1)} if {_expr(node.test)}{otherwise}"
    return f"<{type(node).__name__}>"


def _called_name(node: nodes.Call) -> str:
    target = node.node
    return target.name if isinstance(target, nodes.Name) else getattr(target, "attr", "")


def template_sinks(where: str, source: str, environment: Environment) -> list[Sink]:
    tree = environment.parse(source, name=where)
    found = []
    for node in tree.find_all((nodes.Filter, nodes.FilterBlock, nodes.Call,
                               nodes.EvalContextModifier)):
        if isinstance(node, nodes.Filter) and node.name == "safe" and node.node is not None:
            text = _expr(node)
        elif isinstance(node, nodes.FilterBlock) and node.filter.name == "safe":
            text = "{% filter safe %}"
        elif isinstance(node, nodes.Call) and _called_name(node).lower() == "markup":
            text = _expr(node)
        elif isinstance(node, nodes.EvalContextModifier) and any(
                option.key == "autoescape" and not (isinstance(option.value, nodes.Const)
                                                     and option.value.value is True)
                for option in node.options):
            text = "{% autoescape false %}"
        else:
            continue
        found.append(Sink(where, node.lineno, (where, text), text))
    return found


def parsing_environment() -> Environment:
    """An environment that parses what the app's templates use (nothing is rendered)."""
    return Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do",
                                   "jinja2.ext.loopcontrols"], autoescape=True)


# --- Python ------------------------------------------------------------------------------


_SAFE_IN_STRING = re.compile(r"\|\s*safe\b|autoescape\s+false|\{%-?\s*filter\s+safe", re.I)
_STRING_TEMPLATES = {"render_template_string", "stream_template_string", "from_string"}


def python_files() -> list[Path]:
    return [path for package in PYTHON_PACKAGES for path in _sources(ROOT / package, (".py",))]


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes: a docstring may explain escaping, only code counts."""
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)):
            found.add(id(body[0].value))
    return found


def python_sinks(where: str, source: str) -> list[Sink]:
    tree = ast.parse(source, filename=where)
    docstrings = _docstrings(tree)
    found: list[Sink] = []

    def visit(node: ast.AST, scope: str) -> None:
        what = None
        if isinstance(node, ast.Name) and node.id == "Markup":
            what = "Markup"
        elif isinstance(node, ast.Attribute) and node.attr in ("Markup", "autoescape"):
            what = node.attr
        elif isinstance(node, ast.alias) and (node.name.split(".")[0] == "markupsafe"
                                              or node.name == "Markup"):
            what = f"import {node.name}"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("markupsafe"):
            what = f"from {node.module} import"
        elif isinstance(node, ast.keyword) and node.arg == "autoescape":
            what = "autoescape="
        elif isinstance(node, ast.Call):
            called = node.func.id if isinstance(node.func, ast.Name) else getattr(
                node.func, "attr", "")
            if called in _STRING_TEMPLATES:
                what = f"{called}(...)"
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docstrings and _SAFE_IN_STRING.search(node.value)):
            what = "|safe in a string"
        elif (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
              and node.name == "__html__"):
            what = "def __html__"
        if what is not None:
            line = getattr(node, "lineno", 0)
            found.append(Sink(where, line, (where, what, scope), f"{what} (in {scope})"))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope = node.name if scope == "<module>" else f"{scope}.{node.name}"
        for child in ast.iter_child_nodes(node):
            visit(child, scope)

    visit(tree, "<module>")
    return found


# --- the editor's script -----------------------------------------------------------------


def script_files() -> list[Path]:
    return _sources(ROOT / SCRIPT_SOURCES, SCRIPT_SUFFIXES, {"node_modules", "dist"})


_STRING_OR_COMMENT = re.compile(
    r"""//[^\n]*|/\*.*?\*/|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`""",
    re.S)


def strip_comments(source: str) -> str:
    """The script without its comments (strings kept, line numbers kept)."""
    def blank(match: re.Match) -> str:
        text = match.group(0)
        if text.startswith(("//", "/*")):
            return re.sub(r"[^\n]", " ", text)
        return text
    return _STRING_OR_COMMENT.sub(blank, source)


SCRIPT_PATTERNS = [
    ("innerHTML", re.compile(r"\.\s*innerHTML\s*\+?=(?!=)")),
    ("outerHTML", re.compile(r"\.\s*outerHTML\s*\+?=(?!=)")),
    ("insertAdjacentHTML", re.compile(r"\.\s*insertAdjacentHTML\s*\(\s*[^,()]+,")),
    ("document.write", re.compile(r"\bdocument\s*\.\s*write(?:ln)?\s*\(")),
    ("createContextualFragment", re.compile(r"\.\s*createContextualFragment\s*\(")),
    ("parseFromString", re.compile(r"\.\s*parseFromString\s*\(")),
    ("setHTMLUnsafe", re.compile(r"\.\s*setHTMLUnsafe\s*\(")),
    ("srcdoc", re.compile(r"\.\s*srcdoc\s*\+?=(?!=)")),
]
# any other mention (a read, el['innerHTML'] = ..., a DOMParser) is a sink of its own
_MENTIONS = re.compile(r"\b(innerHTML|outerHTML|insertAdjacentHTML|createContextualFragment|"
                       r"parseFromString|setHTMLUnsafe|srcdoc|DOMParser)\b|"
                       r"\bdocument\s*\.\s*write(?:ln)?\b")
_OPEN, _CLOSE = "([{", ")]}"
_CONTINUES = ("+", "-", "*", "/", "?", ":", "=", ",", "(", "[", "{", "&&", "||", "??")
_CONTINUED = (".", "+", "-", "*", "/", "?", ":", ",", ")", "]", "}", "&&", "||", "??")


def written_expression(source: str, start: int) -> tuple[str, int]:
    """The expression that starts at ``start`` (after ``=`` or a call's parenthesis): up
    to a semicolon, the parenthesis that closes the call, or the end of the statement
    (a line break that neither the line's end nor the next line's start continues).
    Returns it with its whitespace collapsed, and where it ends."""
    depth, position, quote = 0, start, None
    while position < len(source):
        char = source[position]
        if quote:
            if char == "\\":
                position += 1
            elif char == quote:
                quote = None
        elif char in "'\"`":
            quote = char
        elif char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
            if depth < 0:
                break
        elif char == ";" and depth == 0:
            break
        elif char == "\n" and depth == 0:
            so_far = source[start:position].strip()
            rest = source[position:].lstrip()
            if so_far and not so_far.endswith(_CONTINUES) and not rest.startswith(_CONTINUED):
                break
        position += 1
    return " ".join(source[start:position].split()), position


_TARGET = re.compile(r"[\w$][\w$.?]*$")


def script_sinks(where: str, source: str) -> list[Sink]:
    """Each sink as the statement that writes into it, whitespace collapsed:
    ``this.body.innerHTML = html``, ``document.write(x)``; any other mention of a sink
    (a read, a DOMParser) as its whole line."""
    source = strip_comments(source)
    found: list[Sink] = []
    spans: list[tuple[int, int]] = []
    for _name, pattern in SCRIPT_PATTERNS:
        for match in pattern.finditer(source):
            _value, end = written_expression(source, match.end())
            line_start = source.rfind("\n", 0, match.start()) + 1
            target = _TARGET.search(source[line_start:match.start()])
            start = target.start() + line_start if target else match.start()
            statement = " ".join(source[start:end].split())
            if match.group(0).endswith("(") or match.group(0).endswith(","):
                statement += ")"
            line = source.count("\n", 0, match.start()) + 1
            found.append(Sink(where, line, statement, statement))
            spans.append((match.start(), end))
    for match in _MENTIONS.finditer(source):
        if any(start <= match.start() < end for start, end in spans):
            continue  # seen by a pattern above
        line = source.count("\n", 0, match.start()) + 1
        text = " ".join(source.splitlines()[line - 1].split())
        found.append(Sink(where, line, text, text))
    return found


def _script_entry(sink: Sink) -> str | None:
    for entry in SCRIPT_SINKS:
        if re.fullmatch(entry, sink.key):
            return entry
    return None


# --- the tests ---------------------------------------------------------------------------


def _fail(kind: str, unlisted: list[Sink], listed_in: str, how: str) -> str:
    lines = "\n".join(f"  {sink}" for sink in unlisted)
    return (f"{len(unlisted)} unreviewed {kind} sink(s), not on {listed_in} in "
            f"tests/test_template_sinks.py:\n{lines}\n"
            f"Escape the value, or, once you have checked it is sanitised (render_markdown) "
            f"or constant, add an entry {how} with the reason it is safe.")


def test_the_scans_see_the_sources():
    """Each scan reads the files it is about (a moved folder would make it vacuous)."""
    templates = {_relative(p) for p in template_files()}
    for folder in ("templates/coelab/", "templates/cohort/", "templates/recommendations/"):
        assert sum(t.startswith(folder) for t in templates) >= 5, (folder, sorted(templates))
    assert "templates/coelab/base.html" in templates
    pythons = {_relative(p) for p in python_files()}
    for package in PYTHON_PACKAGES[:-1]:
        assert any(p.startswith(package + "/") for p in pythons), package
    scripts = {_relative(p) for p in script_files()}
    assert len(scripts) >= 2 and all(s.startswith("frontend/src/") for s in scripts), scripts


def test_no_unreviewed_template_sink():
    environment = parsing_environment()
    sinks = [s for path in template_files()
             for s in template_sinks(_relative(path), _read(path), environment)]
    unlisted = [s for s in sinks if s.key not in TEMPLATE_SINKS]
    assert not unlisted, _fail("template", unlisted, "TEMPLATE_SINKS",
                               "(template, expression)")
    stale = set(TEMPLATE_SINKS) - {s.key for s in sinks}
    assert not stale, f"TEMPLATE_SINKS entries that match nothing any more: {sorted(stale)}"


def test_no_unreviewed_python_sink():
    sinks = [s for path in python_files() for s in python_sinks(_relative(path), _read(path))]
    unlisted = [s for s in sinks if s.key not in PYTHON_SINKS]
    assert not unlisted, _fail("Python", unlisted, "PYTHON_SINKS", "(file, what, where)")
    stale = set(PYTHON_SINKS) - {s.key for s in sinks}
    assert not stale, f"PYTHON_SINKS entries that match nothing any more: {sorted(stale)}"


def test_no_unreviewed_script_sink():
    sinks = [s for path in script_files() for s in script_sinks(_relative(path), _read(path))]
    unlisted = [s for s in sinks if _script_entry(s) is None]
    assert not unlisted, _fail(
        "script", unlisted, "SCRIPT_SINKS",
        "(a regular expression of the statement, matched in any file, on any line)")
    stale = set(SCRIPT_SINKS) - {_script_entry(s) for s in sinks}
    assert not stale, f"SCRIPT_SINKS entries that match nothing any more: {sorted(stale)}"


def test_every_entry_says_why():
    for entries in (TEMPLATE_SINKS, PYTHON_SINKS, SCRIPT_SINKS):
        for key, reason in entries.items():
            assert len(reason.split()) >= 2, key


def test_the_app_escapes_its_html_templates(app):
    """The premise of the scans: autoescaping is on for every HTML template."""
    for name in ("coelab/base.html", "cohort/passport.html", "x.htm", "x.xml"):
        assert app.jinja_env.autoescape(name) is True, name


# --- the scanners find what they must ----------------------------------------------------


@pytest.mark.parametrize("source, expected", [
    ("{{ x|safe }}", "x|safe"),
    ("{{ a.b['c'] | safe }}", "a.b['c']|safe"),
    ("{% filter safe %}{{ x }}{% endfilter %}", "{% filter safe %}"),
    ("{% autoescape false %}{{ x }}{% endautoescape %}", "{% autoescape false %}"),
    ("{{ Markup(x) }}", "Markup(...)"),
    ("{{ x|e }}{# {{ y|safe }} #}", None),
])
def test_the_template_scan(source, expected):
    found = [s.key[1] for s in template_sinks("x.html", source, parsing_environment())]
    assert found == ([expected] if expected else [])


@pytest.mark.parametrize("source, expected", [
    ("from markupsafe import Markup\n", ["from markupsafe import", "import Markup"]),
    ("import markupsafe\nmarkupsafe.Markup(x)\n", ["import markupsafe", "Markup"]),
    ("def f():\n    return Markup(x)\n", ["Markup"]),
    ("t = render_template_string('{{ x|safe }}')\n",
     ["render_template_string(...)", "|safe in a string"]),
    ("app.jinja_env.autoescape = False\n", ["autoescape"]),
    ("Environment(autoescape=False)\n", ["autoescape="]),
    ("class A:\n    def __html__(self):\n        return ''\n", ["def __html__"]),
    ('"""Never use |safe here."""\nx = 1\n', []),
])
def test_the_python_scan(source, expected):
    assert sorted(s.key[1] for s in python_sinks("x.py", source)) == sorted(expected)


@pytest.mark.parametrize("source, expected", [
    ("el.innerHTML = json.html // sanitised", ["el.innerHTML = json.html"]),
    ("this.body.innerHTML = `<b>${name}</b>`;", ["this.body.innerHTML = `<b>${name}</b>`"]),
    ("el.innerHTML=\n    a +\n    b\n", ["el.innerHTML= a + b"]),
    ("el.outerHTML += x;", ["el.outerHTML += x"]),
    ("  el.innerHTML = a\n  notice.hidden = true\n", ["el.innerHTML = a"]),
    ("el.innerHTML = ok\n  ? a\n  : b\nnext()", ["el.innerHTML = ok ? a : b"]),
    ("el.innerHTML = f(a,\n  b)\nnext()", ["el.innerHTML = f(a, b)"]),
    ("el.insertAdjacentHTML('beforeend', row(item, 1))\nx()",
     ["el.insertAdjacentHTML('beforeend', row(item, 1))"]),
    ("if (ok) document.write(x)", ["document.write(x)"]),
    ("el['innerHTML'] = x", ["el['innerHTML'] = x"]),
    ("const before = el.innerHTML", ["const before = el.innerHTML"]),
    ("if (el.innerHTML === '') go()", ["if (el.innerHTML === '') go()"]),
    ("new DOMParser().parseFromString(text, 'text/html')",
     [".parseFromString(text, 'text/html')",
      "new DOMParser().parseFromString(text, 'text/html')"]),
    ("el.textContent = x // not innerHTML\n/* nor el.innerHTML = y */", []),
    ("const s = 'el.innerHTML = y'", ["el.innerHTML = y'"]),  # flagged all the same
])
def test_the_script_scan(source, expected):
    assert [s.key for s in script_sinks("x.js", source)] == expected


def test_a_new_sink_fails_with_its_place():
    sinks = script_sinks("frontend/src/x.js", "a()\nrow.innerHTML = comment.body\n"
                                              "this.body.innerHTML = html\n")
    assert [str(s) for s in sinks if _script_entry(s) is None] == [
        "frontend/src/x.js:2: row.innerHTML = comment.body"]
    message = _fail("script", sinks, "SCRIPT_SINKS", "(...)")
    assert "frontend/src/x.js:2" in message and "SCRIPT_SINKS" in message
