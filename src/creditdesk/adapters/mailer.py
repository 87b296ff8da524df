"""Mail through an SMTP server (smtplib): the settings say where and how (docs/notifications.md).

No ``smtp_host``: no mail; the notifications are still made and shown on the web app's bell.
A server that cannot be reached, or refuses to talk to us, is :class:`MailUnavailable` (nothing
is marked mailed; the next pass tries again); a message it refuses alone (its recipient, say) is
:class:`MailRefused`.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from creditdesk.config import Settings
from creditdesk.service.notifications import Mail, MailRefused, MailUnavailable


class SmtpSession:
    def __init__(self, client: smtplib.SMTP, sender: str) -> None:
        self._client = client
        self._sender = sender

    def send(self, mail: Mail) -> None:
        message = EmailMessage()  # the default policy: UTF-8 headers are encoded, the body is UTF-8
        message["From"] = self._sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or None)
        message["Content-Language"] = "zh-CN" if mail.language == "zh" else "en"
        message.set_content(mail.body, charset="utf-8")
        try:
            refused = self._client.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as error:
            raise MailRefused(str(error)) from None
        except (smtplib.SMTPException, OSError) as error:
            raise MailUnavailable(f"{type(error).__name__}: {error}") from None
        if refused:
            raise MailRefused(f"refused recipients: {', '.join(refused)}")


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.tls = settings.smtp_tls
        self.user = settings.smtp_user
        self.password = settings.smtp_password
        self.timeout = settings.smtp_timeout_seconds
        self.sender = settings.mail_from

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def _connect(self) -> smtplib.SMTP:
        assert self.host
        if self.tls == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.tls == "starttls":
            try:
                client.starttls(context=ssl.create_default_context())
            except (smtplib.SMTPException, OSError):
                client.close()
                raise
        return client

    @contextmanager
    def session(self) -> Iterator[SmtpSession]:
        """One connection for a pass's mails; QUIT at the end."""
        if not self.configured:
            raise MailUnavailable("no SMTP server is configured (set CREDITDESK_SMTP_HOST)")
        try:
            client = self._connect()
        except (smtplib.SMTPException, OSError) as error:
            raise MailUnavailable(f"the SMTP server {self.host}:{self.port} is unavailable: {error}") from None
        try:
            if self.user:
                client.login(self.user, self.password or "")
        except (smtplib.SMTPException, OSError) as error:
            client.close()
            raise MailUnavailable(f"the SMTP server {self.host}:{self.port} is unavailable: {error}") from None
        try:
            yield SmtpSession(client, self.sender)
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
