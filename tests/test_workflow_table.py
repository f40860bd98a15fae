"""The workflow table (coelab.deliverables.steps) is the one declaration of every step:
each has its rule in the policy (derived, never written twice), its people, a label in
both languages, an operation that exists and is exercised by a test, and the diagram of
docs/architecture.md is the table's own."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from coelab.deliverables.models import DeliverableState
from coelab.deliverables.steps import STEPS, diagram
from coelab.policy import PEOPLE, StepRule

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "platform/coelab/translations/en/LC_MESSAGES/messages.po"


def _english() -> dict[str, str]:
    return {m.id: m.string for m in read_po(PO.open("rb")) if m.id and isinstance(m.id, str)}


@pytest.mark.parametrize("name", sorted(STEPS))
def test_each_step_has_its_derived_rule_and_people(app, name):
    step = STEPS[name]
    rules = app.extensions["coelab_policy"]
    assert step.who in PEOPLE
    rule = rules[step.action]
    # the rule is the table's, not a hand-written copy with its own states
    assert isinstance(rule, StepRule) and rule.step is step
    assert step.sources and all(isinstance(s, DeliverableState) for s in step.sources)


def test_no_rule_names_a_step_twice(app):
    """One action per step: no people-only duplicate of a step's rule remains."""
    rules = app.extensions["coelab_policy"]
    for old in ("jury.deliberate", "jury.decide", "jury.sign", "deliverable.review"):
        assert old not in rules
    steps = {s.action for s in STEPS.values()}
    hand_written = {a for a, r in rules.items() if isinstance(r, StepRule)} - steps
    assert not hand_written


@pytest.mark.parametrize("name", sorted(STEPS))
def test_each_step_speaks_both_languages(name):
    english = _english()
    step = STEPS[name]
    texts = [step.label, step.done, step.subject]
    for text in (t for t in texts if t is not None):
        msgid = text._args[0]  # the French source of a lazy string
        assert english.get(msgid), f"{name}: no English for {msgid!r}"


def _calls(module: str, function: str) -> list[str]:
    """The test files that call ``module.function``, through whatever name they
    imported the module or the function under."""
    package, short = module.rsplit(".", 1)
    here = Path(__file__).resolve()
    found = []
    for path in here.parent.rglob("test_*.py"):
        if path == here:
            continue
        text = path.read_text()
        aliases = set(re.findall(rf"from {re.escape(package)} import {short} as (\w+)", text))
        if re.search(rf"from {re.escape(package)} import {short}\b(?! as)", text):
            aliases.add(short)
        aliases |= set(re.findall(rf"import {re.escape(module)} as (\w+)", text))
        if any(re.search(rf"\b{a}\.{function}\(", text) for a in aliases) or re.search(
                rf"from {re.escape(module)} import [^\n]*\b{function}\b", text):
            found.append(path.name)
    return found


@pytest.mark.parametrize("name", sorted(STEPS))
def test_each_step_has_an_operation_exercised_by_a_test(name):
    module, function = STEPS[name].operation.split(":")
    assert callable(getattr(importlib.import_module(module), function))
    assert _calls(module, function), f"no test calls {module}.{function}"


def test_the_documented_diagram_is_the_table():
    text = (ROOT / "docs/architecture.md").read_text()
    assert diagram() in text, "regenerate the diagram of docs/architecture.md from " \
        "coelab.deliverables.steps.diagram()"


def test_every_state_is_reached_and_every_step_leaves_a_reachable_state():
    reached = {DeliverableState.DRAFT}
    changed = True
    while changed:
        changed = False
        for step in STEPS.values():
            if step.sources & reached and step.target and step.target not in reached:
                reached.add(step.target)
                changed = True
    assert reached == set(DeliverableState)
