"""Message templates: a key, a kind and, per language (zh-Hans and English), a subject and a
text with `{variables}`. Apps register theirs in AppConfig.ready(); the outbox stores only the
key and the variables, and renders in the member's language when it sends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from string import Formatter

from omniloop.core.errors import ValidationFailed
from omniloop.messaging.values import MessageKind, Rendered

LANGUAGES = ("zh-hans", "en")
# Marketing SMS carry the opt-out line the carriers require (回T退订).
SMS_OPT_OUT = {"zh-hans": "回T退订", "en": "Reply T to opt out 回T退订"}


@dataclass(frozen=True)
class MessageTemplate:
    key: str
    kind: MessageKind
    subject: Mapping[str, str]
    text: Mapping[str, str]
    # WeChat template messages need a template id registered on the account (模板ID).
    wechat_template_id: str = ""
    variables: frozenset[str] = field(default_factory=frozenset)
    # The channels to try, in order, when the message names none (blank: the fallback order).
    channels: tuple[str, ...] = ()

    def render(self, *, language: str, context: Mapping[str, object]) -> Rendered:
        lang = language if language in self.text else "zh-hans"
        values = {k: str(v) for k, v in context.items()}
        missing = self.variables - values.keys()
        if missing:
            raise ValidationFailed(
                f"Template {self.key} needs {sorted(missing)}.", code="template_variables"
            )
        return Rendered(
            subject=self.subject.get(lang, "").format_map(values),
            text=self.text[lang].format_map(values),
        )


_templates: dict[str, MessageTemplate] = {}


def _variables(*texts: str) -> frozenset[str]:
    return frozenset(name for t in texts for _, name, _, _ in Formatter().parse(t) if name)


def register_template(
    key: str,
    *,
    kind: MessageKind,
    text: Mapping[str, str],
    subject: Mapping[str, str] | None = None,
    wechat_template_id: str = "",
    channels: tuple[str, ...] = (),
) -> MessageTemplate:
    """Declare a template; every language in LANGUAGES must be given, with the same variables."""
    if set(text) != set(LANGUAGES):
        raise ValueError(f"Template {key}: give the text in {LANGUAGES}.")
    subject = dict(subject or {})
    names = {lang: _variables(text[lang], subject.get(lang, "")) for lang in LANGUAGES}
    if len(set(names.values())) != 1:
        raise ValueError(f"Template {key}: the languages use different variables {names}.")
    tpl = MessageTemplate(
        key=key,
        kind=kind,
        subject=subject,
        text=dict(text),
        wechat_template_id=wechat_template_id,
        variables=names["en"],
        channels=tuple(channels),
    )
    _templates[key] = tpl
    return tpl


def template_get(key: str) -> MessageTemplate | None:
    return _templates.get(key)


def templates() -> dict[str, MessageTemplate]:
    return dict(_templates)
