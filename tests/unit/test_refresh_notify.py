"""The refresh's notifications: always the log; email and chat when configured, at notify time."""

from __future__ import annotations

import json

import responses

from dti_pipeline.notify import ChatWebhookNotifier, LogNotifier, RefreshNotifier, collected_notifications


class _TaskInstance:
    task_id = "report"
    run_id = "manual__2025-09-05"

    def __init__(self, xcoms: dict):
        self.xcoms = xcoms

    def xcom_pull(self, task_ids: str):
        return self.xcoms.get(task_ids)


SUCCESS = {
    "resolve_month": "2025-08",
    "publish": {
        "publication_id": 7,
        "methodology_version": "1.0.0",
        "content_hash": "abc",
        "unchanged": False,
    },
    "report": "/reports/dti-2025-08.html",
    "quality_gate": {"warnings": ["3 unit(s) moved more than 0.25 from 2025-07:\n    ..."]},
    "completeness_gate": {"problems": []},
}


def test_by_default_a_refresh_notifies_the_log_only(monkeypatch):
    monkeypatch.delenv("DTI_NOTIFY_EMAIL", raising=False)
    monkeypatch.delenv("DTI_NOTIFY_CHAT_CONN_ID", raising=False)
    notifier = RefreshNotifier("success")
    assert [type(c) for c in notifier.channels("s", "t", {})] == [LogNotifier]
    with collected_notifications() as notes:
        notifier.notify({"ti": _TaskInstance(SUCCESS), "run_id": "manual__2025-09-05"})
    (note,) = notes
    assert note["subject"] == "[DTI] 2025-08 published" and note["report"] == "/reports/dti-2025-08.html"
    assert "publication #7, methodology 1.0.0" in note["text"] and "1 warning(s)" in note["text"]


def test_a_failure_names_the_task_and_the_reason():
    with collected_notifications() as notes:
        RefreshNotifier("failure").notify(
            {
                "ti": _TaskInstance({"resolve_month": "2025-08"}),
                "exception": RuntimeError("voso.orders: 2025-08-14 missing"),
            }
        )
    (note,) = notes
    assert note["subject"] == "[DTI] refresh of 2025-08 FAILED at report"
    assert "voso.orders: 2025-08-14 missing" in note["text"]


def test_email_and_chat_are_chosen_by_configuration(monkeypatch):
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    monkeypatch.setenv("DTI_NOTIFY_EMAIL", "a@example.org, b@example.org")
    monkeypatch.setenv("DTI_NOTIFY_CHAT_CONN_ID", "dti_chat")
    channels = RefreshNotifier("success").channels("subject", "text", {})
    assert [type(c) for c in channels] == [LogNotifier, SmtpNotifier, ChatWebhookNotifier]
    assert channels[1].to == ["a@example.org", "b@example.org"] and channels[1].smtp_conn_id == "smtp_default"


@responses.activate
def test_the_chat_notifier_posts_to_the_connections_webhook(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_DTI_CHAT",
        json.dumps({"conn_type": "http", "host": "https://chat.example.org/hooks/abc"}),
    )
    responses.post("https://chat.example.org/hooks/abc", json={"ok": True})
    ChatWebhookNotifier("[DTI] 2025-08 published", "report: x", "dti_chat").notify({})
    (call,) = responses.calls
    assert json.loads(call.request.body) == {"text": "*[DTI] 2025-08 published*\nreport: x"}
