"""The plugin contract: how a feature package plugs into the Coélab core.

A feature package declares **one** plugin object and registers it under the
``coelab.plugins`` entry point group in its ``pyproject.toml``::

    [project.entry-points."coelab.plugins"]
    casestudies = "casestudies.plugin:plugin"

At start-up the app factory loads every plugin of that group (plus the objects given in
the ``PLUGINS_EXTRA`` setting, which is how a test registers a plugin of its own, minus
the names in ``PLUGINS_DISABLED``), then calls its hooks in this order:

1. :meth:`Plugin.import_models` - import the modules that define the plugin's tables, so
   that they join the core's metadata before anything queries them;
2. :meth:`Plugin.blueprints` - each returned blueprint is registered on the app;
3. :meth:`Plugin.deliverable_kinds` - the kinds of work this plugin defines; the core
   shows them in every cohort workspace they apply to, and later builds their editors,
   review and jury screens, without knowing the plugin;
4. :meth:`Plugin.policy_rules` - rules for the plugin's own actions, added to the
   policy (:mod:`coelab.policy`); a plugin cannot redefine a core action;
5. :meth:`Plugin.connect_signals` - connect receivers to the core's signals
   (:mod:`coelab.signals`);
6. :meth:`Plugin.init_app` - anything else (CLI commands, template globals).

While serving, the core asks plugins for contributions through:

- :meth:`Plugin.workspace_panels` - sections of a cohort workspace page;
- :meth:`Plugin.attention_items` - lines of "what needs your attention" on the dashboard;
- :meth:`Plugin.dashboard_panels` - sections of a user's dashboard (a trainee's parcours);
- :meth:`Plugin.navigation` - links in the header; :meth:`Plugin.public_navigation` -
  those shown to visitors who are not logged in (the admissions' public campaign page);
- :meth:`Plugin.deliverable_panels` - sections of a deliverable's page (a recommendation
  collection lists its entries there);
- :meth:`Plugin.themes` and :meth:`Plugin.cohort_module` - the programme's themes and the
  module a cohort follows, which deliverables show and search by (the cohort package
  knows the catalogue; the core and the other features ask through the contract);
- :meth:`Plugin.cohort_creation` - a richer form for the core's "new cohort" page.

What varies with the kind of a deliverable rather than with the plugin is declared on
its :class:`DeliverableKind` (its rubric, and its ``export`` and ``freeze`` hooks).

The core registers its own blueprints, models, policy rules, panels and navigation
through the same contract (:class:`coelab.core_plugin.CorePlugin`), so there is no back
door that features could not use. The dependency rule follows: feature packages import
the core's public API (:mod:`coelab.api`) and nothing else of it; the core never
imports a feature package, and finds them only through this contract (both checked by
import-linter, see ``pyproject.toml``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from flask import Blueprint, Flask, current_app

from . import frame

# the rubric types are part of the contract: plugins import them from here
from .assessments.rubrics import LEVEL_LABELS, Criterion, Level, Rubric, levels
from .db import local_today
from .policy import init_policy
from .programme import MODULE_SCOPES, PARCOURS

if TYPE_CHECKING:
    from flask_wtf import FlaskForm

    from .deliverables.models import Deliverable
    from .models import Cohort, User

__all__ = [
    "ATTENTION_KINDS", "AUTHORSHIPS", "LEVEL_LABELS", "AttentionItem", "CohortCreation",
    "Criterion", "DeliverableKind", "DetailField", "Level", "NavLink", "Plugin", "PluginRegistry",
    "Rubric", "Theme", "WorkspacePanel", "discover", "init_plugins", "levels", "registry",
]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "coelab.plugins"

#: who writes a deliverable: a team, one trainee, or every trainee of the cohort together
Authorship = Literal["team", "individual", "cohort"]
AUTHORSHIPS = ("team", "individual", "cohort")
FieldType = Literal["text", "textarea", "choice", "theme", "themes"]


@dataclass(frozen=True)
class DetailField:
    """One descriptive field of a deliverable, filled in when it is started and editable
    by its authors while it is a draft (the partner organisation of a case study...).

    ``type`` is ``"text"`` (one line), ``"textarea"``, ``"choice"`` (one of ``choices``,
    pairs of stored value and label), ``"theme"`` (one of the programme's themes, see
    :meth:`Plugin.themes`) or ``"themes"`` (several). ``group`` is a heading under which
    fields are shown together. Values are stored as strings (a list for ``"themes"``).
    """

    name: str
    label: Any
    type: FieldType = "text"
    required: bool = True
    choices: tuple[tuple[str, Any], ...] = ()
    help: Any = None
    group: Any = None
    max_length: int = 300


@dataclass(frozen=True)
class Theme:
    """A theme of the programme (a thematic module): ``code`` such as ``"2.4"``."""

    code: str
    label: str


@dataclass(frozen=True)
class DeliverableKind:
    """A kind of assessed work (a case study, a mini-diagnostic...), declared by a plugin.

    ``name`` is the stable identifier stored with every deliverable of this kind.
    ``label`` and ``label_plural`` are shown to users: pass lazy strings
    (``flask_babel.lazy_gettext``) so that they follow each user's language.
    ``authorship`` says who writes it by default: a ``"team"``, one trainee
    (``"individual"``) or all the trainees of the cohort (``"cohort"``);
    ``authorship_options`` lists the ways a cohort's trainers may choose instead (a
    thematic case study is written by a team or individually, as they decide).
    ``parcours`` lists the parcours (:data:`coelab.programme.PARCOURS`) that require it,
    and ``module_scopes`` the kind of module (:data:`coelab.programme.MODULE_SCOPES`) of
    the cohorts in which it is produced. ``template`` is the Markdown a new document starts from.
    ``fields`` describe the deliverable beyond its text (:class:`DetailField`).
    ``soutenance`` is the kind's assessment route (docs/domain.md, "Review, soutenance
    and jury"): True, the work is defended before its panel (a soutenance is scheduled
    with its calendar file, the deliberation opens from its day); False, the default,
    it is judged on the written work alone (the panel examines the frozen version: no
    soutenance, no calendar, no soutenance notice). The workflow table's steps say which
    route they belong to (:mod:`coelab.deliverables.steps`, ``route_of``); the page
    also asks for soutenance materials on the first route only. ``rubric`` is the kind's
    default assessment grid (:class:`Rubric`; None: the kind is not assessed with a
    grid).

    Two optional hooks let a kind whose work is more than its document's text say what
    that work is (a recommendation collection: its text, then its adopted entries);
    each is given the deliverable and a Markdown text, and returns the whole Markdown:

    - ``export(deliverable, markdown)``: what an export of the current state holds,
      given the document's live text;
    - ``freeze(deliverable, markdown)``: what the version frozen at a submission holds
      (its Markdown, its rendering and the exports of that version), given the text
      just frozen. It runs inside the submission's transaction, once the text is
      read-only, and reads what it adds there (locking what could still change it).

    None, the default: the document's text alone. There is no per-kind hook on
    assessments: every kind is assessed the same way, with its ``rubric``.
    """

    name: str
    label: Any
    label_plural: Any
    description: Any
    authorship: Authorship
    parcours: frozenset[str]
    module_scopes: frozenset[str]
    template: str
    fields: tuple[DetailField, ...] = ()
    authorship_options: frozenset[str] = frozenset()
    soutenance: bool = False
    rubric: Rubric | None = None
    export: Callable[[Deliverable, str], str] | None = None
    freeze: Callable[[Deliverable, str], str] | None = None
    plugin: str = ""

    def __post_init__(self) -> None:
        if self.authorship not in AUTHORSHIPS:
            raise ValueError(f"kind {self.name!r}: authorship must be one of {AUTHORSHIPS}")
        if not self.authorship_options:
            object.__setattr__(self, "authorship_options", frozenset({self.authorship}))
        if self.authorship not in self.authorship_options or not set(
                self.authorship_options) <= set(AUTHORSHIPS):
            raise ValueError(f"kind {self.name!r}: invalid authorship options")
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"kind {self.name!r}: two detail fields share a name")
        unknown = set(self.parcours) - set(PARCOURS)
        if unknown:
            raise ValueError(f"kind {self.name!r}: unknown parcours {sorted(unknown)}")
        unknown = set(self.module_scopes) - set(MODULE_SCOPES)
        if unknown:
            raise ValueError(f"kind {self.name!r}: unknown module scopes {sorted(unknown)}")

    def applies_to(self, cohort: Cohort) -> bool:
        """Whether trainees of this cohort may owe this kind of work."""
        return cohort.module_scope.value in self.module_scopes

    def required_of(self, cohort: Cohort, parcours: str | None) -> bool:
        """Whether a trainee of this cohort on this parcours owes this kind of work."""
        return self.applies_to(cohort) and parcours in self.parcours


@dataclass(frozen=True)
class WorkspacePanel:
    """A section a plugin adds to a cohort workspace page or to a deliverable's page: a
    heading and a template, which reads ``context`` as ``ctx``.

    The page draws the section and its heading around the template; with ``framed``
    False the template draws its own (the core's jury section keeps its ``#jury-title``
    anchor that way)."""

    title: Any
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100
    framed: bool = True


#: what an attention item asks of its reader (:attr:`AttentionItem.kind`)
ATTENTION_KINDS = ("write", "review", "assess", "comment", "jury", "soutenance", "sign",
                   "decide", "release", "result", "admission", "people", "info")


@dataclass(frozen=True)
class AttentionItem:
    """One line of "what needs your attention" on a user's dashboard (docs/architecture.md,
    "Work queues").

    ``text`` says what to do and on what; ``url`` is the exact place to do it (a page and
    its section's anchor: ``url_for("deliverables.page", ...) + "#evaluations"``).
    ``due`` is when: a :class:`~datetime.date` is a deadline ("avant le 28 janvier
    2027"; overdue once past), a :class:`~datetime.datetime` a moment ("le 28 janvier
    2027 à 10 h 00", a soutenance). ``kind`` is what it asks (one of
    :data:`ATTENTION_KINDS`), ``waiting`` who waits on it (the authors of a work to
    review, the commenter...), ``count`` how many things the line stands for (a line
    "12 dossiers complets" counts 12 in the header's "À traiter (n)"). The dashboard
    lists items by urgency (:attr:`urgency`), then by ``order``."""

    text: Any
    url: str
    order: int = 100
    due: date | datetime | None = None
    kind: str = "info"
    waiting: Any = None
    count: int = 1

    def __post_init__(self) -> None:
        if self.kind not in ATTENTION_KINDS:
            raise ValueError(f"attention item: unknown kind {self.kind!r}")

    @property
    def moment(self) -> bool:
        """Whether ``due`` is a moment (a soutenance) rather than a deadline."""
        return isinstance(self.due, datetime)

    @property
    def due_day(self) -> date | None:
        if self.due is None:
            return None
        return self.due.date() if isinstance(self.due, datetime) else self.due

    @property
    def overdue(self) -> bool:
        """A deadline that has passed (a moment is never overdue: it took place)."""
        return (self.due is not None and not self.moment
                and self.due < local_today())

    @property
    def urgency(self) -> tuple:
        """Sort key: overdue deadlines first, then what is dated, soonest first, then the
        rest in the plugins' ``order``; news (a line that counts for nothing, ``count``
        0: a gathering's dates) last."""
        day = self.due_day
        rank = (3 if self.count == 0 else 0 if self.overdue
                else 1 if day is not None else 2)
        return (rank, day or date.max, self.order)


@dataclass(frozen=True)
class NavLink:
    """A link in the site header; ``endpoint`` is passed to ``url_for``."""

    label: Any
    endpoint: str
    order: int = 100


@dataclass(frozen=True)
class CohortCreation:
    """A plugin's way of creating a cohort, in place of the core's form (a name, the
    kind of module, dates) on the core's page (``core.new_cohort``).

    That page builds the form with ``form()``, renders ``template`` with it (as
    ``form``, and ``cohort`` None), and on a valid post calls ``create(actor, form)``:
    an operation that creates the cohort (through
    :func:`coelab.operations.create_cohort`) and returns it, or raises
    :class:`coelab.operations.OperationError`."""

    form: Callable[[], FlaskForm]
    create: Callable[[User, FlaskForm], Cohort]
    template: str


class Plugin:
    """Base class of a plugin. Override the hooks you need; each default does nothing."""

    #: unique name, also the name of the entry point
    name: str = ""
    #: folder of the plugin's Alembic revisions (its own branch, labelled with ``name``)
    migrations_dir: Path | None = None

    def import_models(self) -> None:
        """Import the modules that declare this plugin's SQLAlchemy models."""

    def blueprints(self) -> Iterable[Blueprint]:
        """The Flask blueprints this plugin serves."""
        return ()

    def deliverable_kinds(self) -> Iterable[DeliverableKind]:
        """The kinds of deliverable this plugin defines."""
        return ()

    def policy_rules(self) -> dict[str, Any]:
        """``{action: rule(user, obj) -> bool}`` for actions this plugin defines."""
        return {}

    def connect_signals(self, app: Flask) -> None:
        """Connect receivers to :mod:`coelab.signals`."""

    def init_app(self, app: Flask) -> None:
        """Anything else to set up on the app (CLI commands, template globals...)."""

    def workspace_panels(self, cohort: Cohort, user: User) -> Iterable[WorkspacePanel]:
        """Sections to add to ``cohort``'s workspace page as seen by ``user``."""
        return ()

    def attention_items(self, user: User) -> Iterable[AttentionItem]:
        """What waits for ``user`` to act, for their dashboard and the header's count
        (:class:`AttentionItem`): only what they may do now (:func:`coelab.policy.can`),
        in a fixed number of queries whatever the number of works or people."""
        return ()

    def dashboard_panels(self, user: User) -> Iterable[WorkspacePanel]:
        """Sections to add to ``user``'s dashboard, under "what needs your attention",
        in the order of their ``order`` (the cohort package: the trainee's parcours)."""
        return ()

    def navigation(self, user: User) -> Iterable[NavLink]:
        """Header links for ``user`` (already logged in)."""
        return ()

    def public_navigation(self) -> Iterable[NavLink]:
        """Header links for visitors who are not logged in (public pages only)."""
        return ()

    def deliverable_panels(self, deliverable: Deliverable,
                           user: User) -> Iterable[WorkspacePanel]:
        """Sections to add to the page of ``deliverable`` as seen by ``user``, in the
        order of their ``order`` (the core's: the assessments at 2, the jury at 4)."""
        return ()

    def audit_labels(self) -> Mapping[str, Any]:
        """What the history of a deliverable says of each audit action this plugin
        records on it (``{"passport.competencies_validated": _l("…")}``): lazy strings,
        shown in place of the action's key (coelab.deliverables.views.history_label)."""
        return {}

    def cohort_creation(self) -> CohortCreation | None:
        """How this plugin sets up a new cohort, when it asks for more than the core's
        fields (the cohort package: its module, site and session); see
        :class:`CohortCreation`."""
        return None

    def themes(self) -> Iterable[Theme]:
        """The programme's themes (its thematic modules), in order."""
        return ()

    def cohort_module(self, cohort: Cohort) -> Theme | None:
        """The module ``cohort`` follows, if this plugin knows it."""
        return None


class PluginRegistry:
    """The plugins and deliverable kinds of one app (kept in ``app.extensions``)."""

    def __init__(self, plugins: Sequence[Plugin]):
        self.plugins: tuple[Plugin, ...] = tuple(plugins)
        self.kinds: dict[str, DeliverableKind] = {}

    def add_kind(self, plugin: Plugin, kind: DeliverableKind) -> None:
        if kind.name in self.kinds:
            raise RuntimeError(
                f"deliverable kind {kind.name!r} declared twice "
                f"({self.kinds[kind.name].plugin} and {plugin.name})"
            )
        self.kinds[kind.name] = DeliverableKind(**{**kind.__dict__, "plugin": plugin.name})

    def kinds_for(self, cohort: Cohort) -> list[DeliverableKind]:
        return [k for k in self.kinds.values() if k.applies_to(cohort)]

    def kind(self, name: str) -> DeliverableKind | None:
        return self.kinds.get(name)

    def themes(self) -> list[Theme]:
        """The programme's themes. A catalogue that only a write changes (``coelab
        catalogue load``): kept between requests like the header's figures
        (coelab/frame.py), as plain values."""
        return list(frame.kept_for_all("themes", self._themes))

    def _themes(self) -> tuple[Theme, ...]:
        seen: dict[str, Theme] = {}
        for plugin in self.plugins:
            for theme in plugin.themes():
                seen.setdefault(theme.code, theme)
        return tuple(seen.values())

    def cohort_module(self, cohort: Cohort) -> Theme | None:
        for plugin in self.plugins:
            module = plugin.cohort_module(cohort)
            if module is not None:
                return module
        return None

    def cohort_creation(self) -> CohortCreation | None:
        for plugin in self.plugins:
            creation = plugin.cohort_creation()
            if creation is not None:
                return creation
        return None

    def collect(self, hook: str, *args: Any) -> list[Any]:
        items: list[Any] = []
        for plugin in self.plugins:
            items.extend(getattr(plugin, hook)(*args))
        return sorted(items, key=lambda item: item.order)


def discover(core: Plugin, extra: Iterable[Plugin] = (),
             disabled: Iterable[str] = ()) -> list[Plugin]:
    """The core's own plugin, the installed plugins (by entry point) and ``extra``
    ones."""
    found: dict[str, Plugin] = {core.name: core}
    skip = set(disabled)
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if ep.name in skip or ep.name in found:
            continue  # an editable and a built install may both list the same plugin
        plugin = ep.load()
        if not isinstance(plugin, Plugin):
            raise TypeError(f"entry point {ep.name!r} does not give a coelab Plugin")
        found[ep.name] = plugin
    for plugin in extra:
        if plugin.name in found:
            raise RuntimeError(f"two plugins are named {plugin.name!r}")
        found[plugin.name] = plugin
    return list(found.values())


def init_plugins(app: Flask, core: Plugin) -> PluginRegistry:
    """Load the plugins, ``core`` (the core's own, :class:`coelab.core_plugin.CorePlugin`)
    first, and call their set-up hooks in the documented order."""
    plugins = discover(core, app.config["PLUGINS_EXTRA"], app.config["PLUGINS_DISABLED"])
    registry = PluginRegistry(plugins)
    app.extensions["coelab_plugins"] = registry
    for plugin in plugins:
        if not plugin.name:
            raise RuntimeError(f"{type(plugin).__name__} has no name")
        plugin.import_models()
    rules: dict[str, Any] = {}
    for plugin in plugins:
        for blueprint in plugin.blueprints():
            app.register_blueprint(blueprint)
        for kind in plugin.deliverable_kinds():
            registry.add_kind(plugin, kind)
        for action, rule in plugin.policy_rules().items():
            if action in rules:
                raise RuntimeError(f"policy action {action!r} defined by two plugins")
            rules[action] = rule
    init_policy(app, rules)
    for plugin in plugins:
        plugin.connect_signals(app)
        plugin.init_app(app)
    log.debug("plugins loaded: %s", ", ".join(p.name for p in plugins))
    return registry


def registry() -> PluginRegistry:
    """The plugin registry of the current app."""
    return current_app.extensions["coelab_plugins"]
