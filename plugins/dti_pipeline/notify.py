"""Notifications of the monthly refresh, through Airflow's notifier mechanism.

The refresh DAG registers `RefreshNotifier("success")` as the report task's success callback
and `RefreshNotifier("failure")` as every task's failure callback. At notify time it builds
one message from the run (month, publication, report path, warnings, or what failed) and
sends it to the configured channels:
- always the log (`LogNotifier`: the task log, and in-process listeners such as the CLI);
- email when `dti_notify_email` is set (Airflow Variable or env DTI_NOTIFY_EMAIL: comma-
  separated addresses), through the SMTP provider's SmtpNotifier and its Connection
  (`dti_notify_smtp_conn_id`, default `smtp_default`);
- chat when `dti_notify_chat_conn_id` is set: the HTTP Connection of an incoming webhook
  (Slack, Google Chat, Mattermost, Teams accept {"text": ...}), `ChatWebhookNotifier`.
Channels are chosen when a notification is sent, never when the DAG file is parsed.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager

from airflow.sdk import BaseNotifier

log = logging.getLogger("dti_pipeline.notify")
_listeners: list[list[dict]] = []


@contextmanager
def collected_notifications():
    """Notifications sent in this process while the block runs (the CLI prints them)."""
    bucket: list[dict] = []
    _listeners.append(bucket)
    try:
        yield bucket
    finally:
        _listeners.remove(bucket)


class LogNotifier(BaseNotifier):
    """The default channel: one log line per notification."""

    def __init__(self, subject: str, text: str, outcome: str = "success", details: dict | None = None):
        super().__init__()
        self.subject, self.text, self.outcome, self.details = subject, text, outcome, details or {}

    def notify(self, context) -> None:
        (log.info if self.outcome == "success" else log.error)("%s\n%s", self.subject, self.text)
        note = {"outcome": self.outcome, "subject": self.subject, "text": self.text, **self.details}
        for bucket in _listeners:
            bucket.append(note)


class ChatWebhookNotifier(BaseNotifier):
    """Post {"text": ...} to the incoming-webhook URL of an HTTP Connection."""

    def __init__(self, subject: str, text: str, conn_id: str):
        super().__init__()
        self.subject, self.text, self.conn_id = subject, text, conn_id

    def webhook_url(self) -> str:
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(self.conn_id)
        extra = conn.extra_dejson or {}
        if extra.get("webhook_url"):
            return extra["webhook_url"]
        host = conn.host or ""
        if "://" in host:
            return host
        scheme = conn.schema or "https"
        port = f":{conn.port}" if conn.port else ""
        return f"{scheme}://{host}{port}{extra.get('endpoint', '')}"

    def notify(self, context) -> None:
        import requests

        response = requests.post(
            self.webhook_url(), json={"text": f"*{self.subject}*\n{self.text}"}, timeout=15
        )
        response.raise_for_status()


def _pull(ti, task_id: str):
    try:
        return ti.xcom_pull(task_ids=task_id)
    except Exception:
        return None


def refresh_message(context, outcome: str) -> tuple[str, str, dict]:
    """(subject, text, details) of a refresh run's notification."""
    ti = context.get("ti") or context.get("task_instance")
    run_id = context.get("run_id") or getattr(ti, "run_id", "?")
    month = _pull(ti, "resolve_month") or (context.get("params") or {}).get("month") or "?"
    if outcome == "success":
        publication = _pull(ti, "publish") or {}
        report = _pull(ti, "report")
        quality = _pull(ti, "quality_gate") or {}
        completeness = _pull(ti, "completeness_gate") or {}
        state = "unchanged (same content already published)" if publication.get("unchanged") else "published"
        warnings = [*completeness.get("problems", []), *quality.get("warnings", [])]
        lines = [
            f"DTI {month} {state}: publication #{publication.get('publication_id')}, "
            f"methodology {publication.get('methodology_version')}, "
            f"content {publication.get('content_hash')}",
            f"report: {report}",
            f"run: {run_id}",
        ]
        if warnings:
            lines.append(f"{len(warnings)} warning(s):")
            lines.extend(f"  - {w.splitlines()[0]}" for w in warnings)
        subject = f"[DTI] {month} {state}"
        details = {"month": month, "report": report, "publication": publication, "warnings": warnings}
    else:
        task = getattr(ti, "task_id", "?")
        error = context.get("exception")
        reason = str(error) if error else "see the task log"
        lines = [f"DTI refresh of {month} failed at {task}:", reason, f"run: {run_id}"]
        subject = f"[DTI] refresh of {month} FAILED at {task}"
        details = {"month": month, "task": task, "reason": reason}
    return subject, "\n".join(lines), details


class RefreshNotifier(BaseNotifier):
    """What the refresh DAG registers; sends to the channels configured when it fires."""

    def __init__(self, outcome: str):
        super().__init__()
        self.outcome = outcome

    def channels(self, subject: str, text: str, details: dict) -> list[BaseNotifier]:
        from dti_pipeline.gates.settings import setting

        chosen: list[BaseNotifier] = [LogNotifier(subject, text, self.outcome, details)]
        emails = setting("notify_email")
        if emails:
            from html import escape

            from airflow.providers.smtp.notifications.smtp import SmtpNotifier

            chosen.append(
                SmtpNotifier(
                    to=[e.strip() for e in emails.split(",") if e.strip()],
                    subject=subject,
                    html_content=f"<pre>{escape(text)}</pre>",
                    smtp_conn_id=setting("notify_smtp_conn_id", "smtp_default"),
                )
            )
        chat = setting("notify_chat_conn_id")
        if chat:
            chosen.append(ChatWebhookNotifier(subject, text, chat))
        return chosen

    def notify(self, context) -> None:
        if self.outcome != "success" and _reported_by_the_dbt_build(context):
            return
        subject, text, details = refresh_message(context, self.outcome)
        for channel in self.channels(subject, text, details):
            try:
                channel.notify(context)
            except Exception as exc:  # one broken channel must not hide the others
                log.error("notification through %s failed: %s", type(channel).__name__, exc)


def _reported_by_the_dbt_build(context) -> bool:
    """A model task of the refresh's dbt build that failed because the build failed it: the
    build's own failure (one task, one notification) already said why."""
    from dti_pipeline.gates.dbt_results import producer_failure

    if producer_failure(context):
        log.info("not notified: the dbt build's failure was notified and names this model")
        return True
    return False


def describe(note: dict) -> str:
    return json.dumps(note, ensure_ascii=False, default=str)
