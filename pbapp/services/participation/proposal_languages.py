"""Proposals in the proposer's language, with translations (issue 20).

A proposer writes in their own language (``Proposal.language``) and may add an English version;
officers add or change translations of the title and summary in any offered language. Residents
read a proposal in their language where a translation exists, marked as one, with the original
one click away: ``shown`` is the one place that decides which text a page shows (the template
macros in templates/macros/proposal_text.html draw it). The API and open data publish the
original.

The proposer's English version is theirs until an officer changes it; after that, the proposer
cannot overwrite it from the proposal form (they are told so, and asked to contact the council),
so an officer's translation is never replaced silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from flask_babel import gettext as _

from pbapp.extensions import db
from pbapp.formatting import number
from pbapp.i18n import BY_CODE, ENGLISH, Language, current_language, offered
from pbapp.models import Proposal, ProposalTranslation, User
from pbapp.services import audit
from pbapp.services.errors import FieldError

TITLE_MAX, SUMMARY_MAX = 120, 300  # as the proposal's own title and summary


def writing_languages() -> list[Language]:
    """The languages a proposer may write in: every language of the registry (writing needs no
    interface catalogue)."""
    return list(BY_CODE.values())


def translation_languages(proposal: Proposal) -> list[Language]:
    """The languages an officer may translate ``proposal`` into: the offered ones, but not the
    one it is written in."""
    return [language for language in offered() if language.code != proposal.language]


def language_name(code: str, reader: Language | None = None) -> str:
    """The name of the language ``code`` in the reader's language ("Polish" in English)."""
    reader = reader or current_language()
    try:
        name = Locale.parse(code).get_language_name(reader.code)
    except (ValueError, UnknownLocaleError):
        name = None
    return name or (BY_CODE[code].name if code in BY_CODE else code)


def _too_long(field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise FieldError(
            field,
            _(
                "Use at most %(limit)s characters (this has %(length)s).",
                limit=number(limit),
                length=number(len(value)),
            ),
        )


def check_writing_language(code: str, field: str = "language") -> str:
    if code not in BY_CODE:
        raise FieldError(field, _("Choose one of the languages in the list."))
    return code


def _translation(proposal: Proposal, code: str) -> ProposalTranslation | None:
    return next((t for t in proposal.translations if t.language == code), None)


def _as_dict(translation: ProposalTranslation | None) -> dict[str, str] | None:
    if translation is None:
        return None
    return {
        "language": translation.language,
        "title": translation.title,
        "summary": translation.summary,
    }


def set_english_version(author: User, proposal: Proposal, title: str, summary: str) -> None:
    """Store (or remove, when both are empty) the proposer's English version of ``proposal``.

    Nothing to do for a proposal written in English. Raises ``FieldError`` for a missing or
    too long field, or when an officer has written the English version and the proposer's
    differs (theirs is not replaced silently)."""
    if proposal.language == ENGLISH.code:
        return
    title, summary = (title or "").strip(), (summary or "").strip()
    existing = _translation(proposal, ENGLISH.code)
    if existing is not None and existing.by_officer:
        if (title, summary) != (existing.title, existing.summary):
            raise FieldError(
                "english_title",
                _(
                    "The council has changed the English version of this proposal, so it "
                    "cannot be changed here. Leave it as it is, or contact the council."
                ),
            )
        return
    if not title and not summary:
        if existing is not None:
            proposal.translations.remove(existing)
        return
    if not title:
        raise FieldError("english_title", _("Enter the English title, or leave both empty."))
    if not summary:
        raise FieldError("english_summary", _("Enter the English summary, or leave both empty."))
    _too_long("english_title", title, TITLE_MAX)
    _too_long("english_summary", summary, SUMMARY_MAX)
    if existing is None:
        existing = ProposalTranslation(language=ENGLISH.code, title=title, summary=summary)
        proposal.translations.append(existing)
    existing.title, existing.summary, existing.added_by_id = title, summary, author.id


def english_version(proposal: Proposal) -> ProposalTranslation | None:
    """The English translation of a proposal not written in English (the form shows it)."""
    if proposal.language == ENGLISH.code:
        return None
    return _translation(proposal, ENGLISH.code)


def save_translation(
    officer: User, proposal: Proposal, language: str, title: str, summary: str
) -> ProposalTranslation:
    """Add or change an officer's translation of ``proposal``'s title and summary (audited).

    Raises ``FieldError`` for a draft, a language not offered (or the proposal's own), or a
    missing or too long field; nothing is changed then."""
    if proposal.status == "draft":
        raise FieldError(
            "form", _("This proposal is still a draft: its author has not submitted it.")
        )
    codes = [language.code for language in translation_languages(proposal)]
    if language not in codes:
        raise FieldError(
            "language",
            _("Choose one of the languages in the list.")
            if language != proposal.language
            else _("The proposal is written in this language: choose another one."),
        )
    title, summary = (title or "").strip(), (summary or "").strip()
    if not title:
        raise FieldError("title", _("Enter a title."))
    if not summary:
        raise FieldError("summary", _("Enter a summary."))
    _too_long("title", title, TITLE_MAX)
    _too_long("summary", summary, SUMMARY_MAX)
    existing = _translation(proposal, language)
    before = _as_dict(existing)
    if existing is None:
        existing = ProposalTranslation(language=language, title=title, summary=summary)
        proposal.translations.append(existing)
    existing.title, existing.summary = title, summary
    existing.added_by_id, existing.by_officer = officer.id, True
    db.session.flush()
    audit.record(
        officer,
        "proposal.translate",
        "proposal",
        proposal.id,
        before=before,
        after=_as_dict(existing),
    )
    return existing


# --- What a reader sees ----------------------------------------------------------------------


@dataclass(frozen=True)
class ShownText:
    """A proposal's title and summary as one reader sees them."""

    title: str
    summary: str
    language: Language  # the language of ``title`` and ``summary``
    original: Language  # the language the proposer wrote in
    translated: bool  # a translation is shown (not the proposer's words)
    translation_exists: bool  # one exists in the reader's language (shown or not)

    @property
    def original_name(self) -> str:
        """The original language's name in the reader's language ("Polish")."""
        return language_name(self.original.code)


def _language(code: str) -> Language:
    return BY_CODE.get(code) or Language(code, code)


def shown(
    proposal: Proposal, reader: Language | None = None, *, original: bool = False
) -> ShownText:
    """What ``reader`` (default: this request's language) sees of ``proposal``: the translation
    into their language where one exists, else (or when ``original`` is asked for) the original."""
    reader = reader or current_language()
    source = _language(proposal.language or ENGLISH.code)
    translation = None
    if reader.code != source.code:
        translation = _translation(proposal, reader.code)
    if translation is not None and not original:
        return ShownText(
            title=translation.title,
            summary=translation.summary,
            language=reader,
            original=source,
            translated=True,
            translation_exists=True,
        )
    return ShownText(
        title=proposal.title,
        summary=proposal.summary,
        language=source,
        original=source,
        translated=False,
        translation_exists=translation is not None,
    )
