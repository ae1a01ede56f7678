"""The push's message template. The outbox renders one template in the member's language from
one set of variables, and a template must use the same variables in every language; so each
language names the other's title and summary with precision 0 (`{title_en:.0}`), which renders
as nothing. The Chinese text then reads the Chinese title, the English text the English one."""

from omniloop.messaging.templates import register_template
from omniloop.messaging.values import MessageKind

register_template(
    "content_push",
    kind=MessageKind.MARKETING,
    subject={"zh-hans": "{brand}:{title}{title_en:.0}", "en": "{brand}: {title_en}{title:.0}"},
    text={
        "zh-hans": "【{brand}】{title}:{summary} 详情 {link_url}{title_en:.0}{summary_en:.0}",
        "en": "[{brand}] {title_en}: {summary_en} More: {link_url}{title:.0}{summary:.0}",
    },
)
