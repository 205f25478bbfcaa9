"""Write locale/django.pot: the catalogue's messages without translations.

The tests compare it with the Simplified Chinese catalogue, so a machine without gettext
still notices a message that was added to one and not the other. `make messages` runs it.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
catalogue = polib.pofile(str(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
template = polib.POFile(wrapwidth=catalogue.wrapwidth)
template.metadata = {
    "Project-Id-Version": catalogue.metadata.get("Project-Id-Version", ""),
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
}
for entry in catalogue:
    if entry.obsolete:
        continue
    template.append(
        polib.POEntry(
            msgctxt=entry.msgctxt,
            msgid=entry.msgid,
            msgid_plural=entry.msgid_plural,
            msgstr="",
            msgstr_plural={0: "", 1: ""} if entry.msgid_plural else {},
            occurrences=entry.occurrences,
            flags=[f for f in entry.flags if f != "fuzzy"],
            comment=entry.comment,
        )
    )
template.save(str(ROOT / "locale" / "django.pot"))
