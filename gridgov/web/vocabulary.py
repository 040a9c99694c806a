"""Names that other apps own but the shell shows: the roles in the header and on the home
page, and the work queues counted on the home page.

They are plain Chinese in their apps; listing them here puts them in this app's message
catalog, so `translated()` finds their English. A test checks that every role and queue
has an entry, so a new one cannot silently stay in Chinese on an English page.
"""

from django.utils.translation import gettext, gettext_noop

ROLE_NAMES = [
    gettext_noop("网格员"),
    gettext_noop("村（社区）工作室"),
    gettext_noop("镇街指挥室"),
    gettext_noop("区指挥中心"),
    gettext_noop("部门处置人员"),
    gettext_noop("调解员"),
    gettext_noop("领导"),
    gettext_noop("系统管理员"),
]

QUEUE_NAMES = [
    gettext_noop("待受理"),
    gettext_noop("待交办"),
    gettext_noop("待签收"),
    gettext_noop("处置中"),
    gettext_noop("待核查"),
    gettext_noop("即将超期"),
    gettext_noop("已超期"),
    gettext_noop("我上报的"),
]


def translated(label: str) -> str:
    """The label in the active language (itself when the language is Chinese)."""
    return gettext(label)
