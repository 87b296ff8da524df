"""Mail of the notifications: one per notification for ``notify=each``, a daily digest for
``notify=digest`` (``off``: the bell only), and a test mail. A notification is marked mailed only
after the SMTP server accepted it."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from creditdesk.service.ports import Clock

from .ports import Mail, Mailer, MailRefused, MailUnavailable, Notification, NotificationStore
from .texts import word

log = logging.getLogger("creditdesk.notifications")

NOTIFY_MODES = ("each", "digest", "off")
MAIL_WINDOW = timedelta(days=7)  # unmailed notifications older than this are no longer mailed


# --- mail -----------------------------------------------------------------------------------------


def _mail_body(notification: Notification, language: str, public_url: str) -> str:
    url = public_url.rstrip("/")
    lines = [notification.body]
    if notification.link:
        lines += ["", f"{word('open', language)}: {url}{notification.link}"]
    lines += ["", "--", word("footer", language, url=url)]
    return "\n".join(lines) + "\n"


def send_each(store: NotificationStore, mailer: Mailer, clock: Clock, public_url: str) -> dict[str, int]:
    """One mail per unmailed notification of the users with ``notify=each`` and an address; each
    marked mailed once the server accepted it. A server that cannot be reached leaves them all
    for the next pass (logged)."""
    if not mailer.configured:
        return {"mailed": 0, "mail_failed": 0}
    now = clock.now()
    pending = store.unmailed("each", now - MAIL_WINDOW)
    if not pending:
        return {"mailed": 0, "mail_failed": 0}
    mailed = failed = 0
    try:
        with mailer.session() as session:
            for person, notes in pending:
                assert person.email is not None
                for note in notes:
                    mail = Mail(
                        person.email, note.subject, _mail_body(note, person.language, public_url), person.language
                    )
                    try:
                        session.send(mail)
                    except MailRefused as error:
                        failed += 1
                        log.warning(
                            "mail of notification %s to %s refused: %s", note.notification_id, person.username, error
                        )
                        continue
                    store.mark_mailed([note.notification_id], clock.now())
                    mailed += 1
    except MailUnavailable as error:
        left = sum(len(notes) for _, notes in pending) - mailed - failed
        log.warning("mail server unavailable, %d notifications wait for the next pass: %s", left, error)
        failed += left
    return {"mailed": mailed, "mail_failed": failed}


def send_digests(
    store: NotificationStore, mailer: Mailer, clock: Clock, public_url: str, day: date, until: datetime
) -> dict[str, int]:
    """One mail per ``notify=digest`` user with their unmailed notifications made before
    ``until`` (the end of ``day``); they are marked mailed, so a second run sends nothing. A
    server that cannot be reached raises :class:`MailUnavailable` (the job's run fails; what
    was sent stays sent, the rest goes with the next run)."""
    if not mailer.configured:
        return {"digests": 0, "digest_notifications": 0, "mail_failed": 0}
    pending = store.unmailed("digest", until - MAIL_WINDOW, until)
    digests = included = failed = 0
    if not pending:
        return {"digests": 0, "digest_notifications": 0, "mail_failed": 0}
    url = public_url.rstrip("/")
    with mailer.session() as session:  # MailUnavailable: the job's run fails, the next one sends
        for person, notes in pending:
            assert person.email is not None
            language = person.language
            lines = [word("digest_intro", language, day=day.isoformat()), ""]
            for note in notes:
                lines.append(f"* {note.subject}")
                if note.link:
                    lines.append(f"  {url}{note.link}")
            lines += ["", "--", word("footer", language, url=url)]
            subject = word("digest_subject", language, count=len(notes), day=day.isoformat())
            try:
                session.send(Mail(person.email, subject, "\n".join(lines) + "\n", language))
            except MailRefused as error:
                failed += 1
                log.warning("digest to %s refused: %s", person.username, error)
                continue
            store.mark_mailed([n.notification_id for n in notes], clock.now())
            digests += 1
            included += len(notes)
    return {"digests": digests, "digest_notifications": included, "mail_failed": failed}


def send_test_mail(mailer: Mailer, to: str, language: str = "en") -> None:
    """Send one test mail now; MailUnavailable when the server cannot be reached."""
    if not mailer.configured:
        raise MailUnavailable("no SMTP server is configured (set CREDITDESK_SMTP_HOST)")
    with mailer.session() as session:
        try:
            session.send(Mail(to, word("test_subject", language), word("test_body", language) + "\n", language))
        except MailRefused as error:
            raise MailUnavailable(f"the SMTP server refused the mail: {error}") from None
