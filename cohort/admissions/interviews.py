"""The admission interview (docs/domain.md, "Admission"): who may hold it, scheduling it
(and moving it), its calendar file, and its record, one part per aim of the interview.

The calendar file is built like the soutenance's (platform/coelab/jury/operations.py
``ics``): the ``icalendar`` library escapes text values and folds long lines; times are
in UTC; the UID stays the same for one interview and SEQUENCE grows with each move, so
that a calendar replaces the event instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from coelab.api import (
    CohortRole,
    Membership,
    OperationError,
    User,
    app_path,
    db,
    external_url,
    notify,
    transaction,
    utcnow,
    when,
)
from coelab.api import record as audit
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import exists, or_, select

from ..models import Funding
from .models import VAE_DIPLOMAS, Application, ApplicationState, Interview, Opinion
from .profiles import on_experience
from .rules import PEOPLE
from .steps import STEPS
from .workflow import move, tell

__all__ = ["RECORD_FIELDS", "calendar", "interviewers", "is_interviewer_candidate",
           "needs_immersion", "needs_vae", "record", "schedule", "when_label"]

A = ApplicationState
TEXT_MAX = 5000
PLACE_MAX = 300
VIDEO_MAX = 500
DURATION_MIN, DURATION_MAX = 15, 240

#: the parts of the record, in the order of the interview's aims
RECORD_FIELDS = ("prerequisites", "objectives", "personalisation", "immersion",
                 "complementary_training", "vae_proposal", "vae_note", "funding_note",
                 "opinion", "opinion_text")


def when_label(moment: datetime) -> str:
    """ "28 janvier 2027 à 10 h 00" (in English "January 28, 2027 at 10:00 AM"), in the
    platform's timezone."""
    return when(moment)


def _interviewer_clause():
    trains = exists().where(Membership.user_id == User.id,
                            Membership.role == CohortRole.TRAINER)
    return User.active.is_(True) & or_(User.is_coordinator.is_(True), trains)


def interviewers() -> list[User]:
    """Who may hold an admission interview: the coordination and the trainers of any
    cohort, whose accounts are active."""
    return list(db.session.scalars(select(User).where(_interviewer_clause())
                                   .order_by(User.last_name, User.first_name, User.id)))


def is_interviewer_candidate(user: User | None) -> bool:
    """Whether ``user`` is one of :func:`interviewers`."""
    if user is None or user.id is None:
        return False
    return db.session.scalar(select(User.id).where(User.id == user.id,
                                                   _interviewer_clause())) is not None


def _check_people(actor: User, application: Application, name: str, refusal: str) -> None:
    if not PEOPLE[STEPS[name].who](actor, application):
        raise OperationError(refusal)


def _clean(value: str | None) -> str:
    return (value or "").replace("\x00", "").strip()


def schedule(actor: User, application: Application, *, interviewer: User,
             starts_at: datetime, duration_minutes: int, place: str | None = None,
             video_url: str | None = None) -> Interview:
    """Set the interview of a complete dossier, or move it: the candidate and the person
    who holds it are told, each with the calendar file's link."""
    _check_people(actor, application, "schedule_interview",
                  _("Seule la coordination programme les entretiens d'admission."))
    if not is_interviewer_candidate(interviewer):
        raise OperationError(_("Choisissez la personne qui mène l'entretien parmi la "
                               "coordination et les formateurs et formatrices."))
    if interviewer.id == application.candidate_id:
        raise OperationError(_("La personne qui mène l'entretien ne peut pas être le "
                               "candidat ou la candidate."))
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        raise OperationError(_("Indiquez la date et l'heure de l'entretien."))
    starts_at = starts_at.astimezone(UTC)
    try:
        duration_minutes = int(duration_minutes)
    except (TypeError, ValueError):
        raise OperationError(_("La durée est un nombre de minutes.")) from None
    if not DURATION_MIN <= duration_minutes <= DURATION_MAX:
        raise OperationError(_("La durée va de %(low)d minutes à %(high)d minutes.",
                               low=DURATION_MIN, high=DURATION_MAX))
    place, video_url = _clean(place), _clean(video_url)
    if not place and not video_url:
        raise OperationError(_("Indiquez le lieu de l'entretien ou le lien de la visio."))
    if len(place) > PLACE_MAX:
        raise OperationError(_("Le lieu ne doit pas dépasser %(n)d caractères.", n=PLACE_MAX))
    if video_url and (not video_url.startswith("https://") or len(video_url) > VIDEO_MAX
                      or any(c.isspace() for c in video_url)):
        raise OperationError(_("Le lien de la visio doit être une adresse complète "
                               "commençant par https:// (%(n)d caractères au plus).",
                               n=VIDEO_MAX))
    with transaction():
        # the conditional UPDATE first: of two coordinators scheduling at once, the
        # second waits for the first, then finds the interview to move
        move(actor, application, "schedule_interview")
        interview = db.session.scalar(select(Interview).where(
            Interview.application_id == application.id))
        moved = interview is not None
        if interview is None:
            if starts_at <= utcnow():
                raise OperationError(_("L'entretien doit avoir lieu dans le futur."))
            interview = Interview(application_id=application.id, sequence=0)
            db.session.add(interview)
            before = None
            previous = None
        else:
            before = {"starts_at": interview.starts_at,
                      "interviewer_id": interview.interviewer_id,
                      "sequence": interview.sequence}
            previous = interview.interviewer
            interview.sequence = (interview.sequence or 0) + 1
        interview.interviewer_id = interviewer.id
        interview.starts_at = starts_at
        interview.duration_minutes = duration_minutes
        interview.place = place or None
        interview.video_url = video_url or None
        db.session.flush()
        audit("admission.interview_scheduled", application, actor=actor, before=before,
              after={"starts_at": starts_at, "interviewer_id": interviewer.id,
                     "sequence": interview.sequence})
    db.session.refresh(application)
    _tell_scheduled(application, interview, interviewer, moved,
                    previous if previous is not None and previous.id != interviewer.id
                    else None)
    return interview


def _where(interview: Interview) -> str:
    parts = []
    if interview.place:
        parts.append(_("Lieu : %(place)s", place=interview.place))
    if interview.video_url:
        parts.append(_("Lien de la visio : %(url)s", url=interview.video_url))
    return "\n".join(parts)


def _tell_scheduled(application: Application, interview: Interview, interviewer: User,
                    moved: bool, previous: User | None) -> None:
    when = when_label(interview.starts_at)
    ics = external_url("admissions.interview_ics", application_id=application.id)
    details = "\n".join((
        _("Date : le %(when)s (heure de Paris), pendant %(n)d minutes.", when=when,
          n=interview.duration_minutes),
        _where(interview),
        _("Ajoutez-le à votre agenda : %(url)s", url=ics)))
    if moved:
        to_candidate = _("Entretien d'admission déplacé au %(when)s", when=when)
        intro = _("Votre entretien d'admission a changé de date ou de lieu.")
    else:
        to_candidate = _("Entretien d'admission proposé le %(when)s", when=when)
        intro = _("Votre dossier est complet : la coordination vous propose un entretien "
                  "d'admission.")
    tell([application.candidate], application, to_candidate, f"{intro}\n\n{details}")
    name = application.candidate.full_name
    tell([interviewer], application,
         _("Entretien d'admission avec %(name)s le %(when)s", name=name, when=when),
         _("Vous menez l'entretien d'admission de %(name)s. Vous en rédigerez le compte "
           "rendu sur la page de la candidature.", name=name) + f"\n\n{details}")
    if previous is not None:
        notify([previous], _("Entretien d'admission confié à une autre personne"),
               _("L'entretien d'admission que vous deviez mener le %(when)s est confié à "
                 "une autre personne.", when=when), app_path("core.index"))


def calendar(application: Application) -> bytes:
    """The interview as an iCalendar (RFC 5545) event: its time in UTC, the place (or
    the video link) and the candidate's name, nothing else of the dossier."""
    interview = application.interview
    if interview is None:
        raise OperationError(_("Aucun entretien n'est programmé."))
    start = interview.starts_at.astimezone(UTC) if interview.starts_at.tzinfo else (
        interview.starts_at.replace(tzinfo=UTC))
    event = Event()
    event.add("uid", f"admission-interview-{interview.id}@coelab")
    event.add("sequence", interview.sequence or 0)
    event.add("dtstamp", utcnow().astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=interview.duration_minutes))
    event.add("summary", _("Entretien d'admission — %(name)s",
                           name=application.candidate.full_name))
    event.add("location", interview.place or interview.video_url or "")
    if interview.place and interview.video_url:
        event.add("description", _("Lien de la visio : %(url)s", url=interview.video_url))
    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", "-//Coelab//Admissions//FR")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add_component(event)
    return cal.to_ical(sorted=False)


def needs_immersion(application: Application) -> bool:
    """A job seeker or a person changing jobs is offered work placements: the record
    says which."""
    return bool(application.job_seeker or application.mobility
                or application.funding == Funding.JOB_SEEKER)


def needs_vae(application: Application) -> bool:
    """A person admitted on their professional experience is always offered a VAE
    accompaniment (cohort/admissions/profiles.py ``on_experience``)."""
    return on_experience(list(application.profiles or []),
                         list(application.derogation or []), application.diploma_level)


def _text(value: str | None, label: str, *, required: bool = False) -> str | None:
    value = _clean(value)
    if required and not value:
        raise OperationError(_("Complétez la partie « %(part)s » du compte rendu.",
                               part=label))
    if len(value) > TEXT_MAX:
        raise OperationError(_("La partie « %(part)s » ne doit pas dépasser %(n)d "
                               "caractères.", part=label, n=TEXT_MAX))
    return value or None


def record(actor: User, application: Application, *, prerequisites: str | None = None,
           objectives: str | None = None, personalisation: str | None = None,
           immersion: str | None = None, complementary_training: str | None = None,
           vae_proposal: Iterable[str] = (), vae_note: str | None = None,
           funding_note: str | None = None, opinion: Opinion | str | None = None,
           opinion_text: str | None = None) -> Interview:
    """Record the interview held: the prerequisites checked together, the goals, how the
    parcours is personalised, the work placements (required for a job seeker or a
    person changing jobs), complementary training, the VAE proposal (required for a
    person admitted on experience), funding, and the opinion on admission."""
    _check_people(actor, application, "record_interview",
                  _("Seules la personne qui mène l'entretien et la coordination en "
                    "rédigent le compte rendu."))
    interview = application.interview
    if interview is None:
        raise OperationError(_("Aucun entretien n'est programmé pour cette candidature."))
    values = {
        "prerequisites": _text(prerequisites, _("Prérequis vérifiés ensemble"),
                               required=True),
        "objectives": _text(objectives, _("Objectifs de la personne"), required=True),
        "personalisation": _text(personalisation, _("Personnalisation du parcours"),
                                 required=True),
        "immersion": _text(immersion, _("Stages d'immersion"),
                           required=needs_immersion(application)),
        "complementary_training": _text(complementary_training,
                                        _("Formations complémentaires")),
        "vae_note": _text(vae_note, _("Précisions sur la VAE")),
        "funding_note": _text(funding_note, _("Financements complémentaires")),
        "opinion_text": _text(opinion_text, _("Motifs de l'avis")),
    }
    chosen = [d for d in VAE_DIPLOMAS if d in set(vae_proposal or ())]
    if len(chosen) != len(set(vae_proposal or ())):
        raise OperationError(_("Choisissez les diplômes de la VAE dans la liste."))
    if needs_vae(application) and not chosen:
        raise OperationError(_(
            "Cette personne entre en formation sur son expérience professionnelle : le "
            "programme lui propose systématiquement un accompagnement à la VAE. Cochez au "
            "moins un diplôme (DESJEPS, DEIS, CAFERUIS ou CAFDES)."))
    try:
        opinion = Opinion(opinion) if opinion else None
    except ValueError:
        opinion = None
    if opinion is None:
        raise OperationError(_("Donnez votre avis sur l'admission."))
    if opinion != Opinion.FAVOURABLE and not values["opinion_text"]:
        raise OperationError(_("Expliquez un avis réservé ou défavorable : la commission "
                               "en a besoin pour décider."))
    with transaction():
        move(actor, application, "record_interview")
        for name, value in values.items():
            setattr(interview, name, value)
        interview.vae_proposal = chosen
        interview.opinion = opinion
        interview.recorded_at = utcnow()
        interview.recorded_by_id = actor.id
        db.session.flush()
    return interview
