"""Airflow → kchat notifier (stdlib only).

Use as a DAG or task callback; it posts the run's result to kchat's
POST /hooks/airflow and the system bot announces it in #ops:

    from kchat_notifier import kchat_notify

    with DAG(..., on_success_callback=kchat_notify, on_failure_callback=kchat_notify):
        ...

Settings come from the environment (KCHAT_URL, KCHAT_HOOK_TOKEN) or, when
unset, from the Airflow Variables of the same names. A chat outage never
fails the DAG: errors are logged and swallowed.
"""
from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request

log = logging.getLogger("kchat_notifier")

TIMEOUT_SECONDS = 10
MAX_EXCEPTION_CHARS = 4000


def _setting(name: str) -> str | None:
    value = os.environ.get(name)
    if value:
        return value
    try:  # inside Airflow: fall back to a Variable
        from airflow.models import Variable  # type: ignore

        return Variable.get(name, default_var=None)
    except Exception:  # not running under Airflow, or no such Variable
        return None


def _iso(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def build_payload(context: dict, state: str | None = None) -> dict:
    """The hook body for an Airflow callback context."""
    ti = context.get("task_instance") or context.get("ti")
    dag_run = context.get("dag_run")
    dag = context.get("dag")
    dag_id = getattr(dag, "dag_id", None) or getattr(dag_run, "dag_id", None) or getattr(ti, "dag_id", None)
    run_id = context.get("run_id") or getattr(dag_run, "run_id", None)
    if state is None:
        raw = getattr(ti, "state", None) or getattr(dag_run, "state", None)
        raw = str(getattr(raw, "value", raw) or "")
        # A callback with an exception is a failure, whatever the state says.
        state = "failed" if context.get("exception") is not None or raw in ("failed", "upstream_failed") else "success"
    payload = {"dag_id": str(dag_id), "run_id": str(run_id), "state": state}
    task_id = getattr(ti, "task_id", None)
    if task_id:
        payload["task_id"] = str(task_id)
    logical = context.get("logical_date") or context.get("execution_date") or getattr(dag_run, "logical_date", None)
    if logical is not None:
        payload["logical_date"] = _iso(logical)
    log_url = getattr(ti, "log_url", None)
    if log_url:
        payload["log_url"] = str(log_url)
    exc = context.get("exception")
    if exc is not None:
        payload["exception"] = f"{type(exc).__name__}: {exc}"[:MAX_EXCEPTION_CHARS]
    return payload


def post(payload: dict, url: str | None = None, token: str | None = None) -> int | None:
    """POST to kchat; returns the HTTP status, or None when it could not be sent."""
    url = url or _setting("KCHAT_URL")
    token = token or _setting("KCHAT_HOOK_TOKEN")
    if not url or not token:
        log.warning("kchat notifier: KCHAT_URL or KCHAT_HOOK_TOKEN is not set; not notifying")
        return None
    req = urllib.request.Request(
        url.rstrip("/") + "/hooks/airflow",
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as res:
            return res.status
    except urllib.error.HTTPError as err:
        log.warning("kchat notifier: %s answered %s: %s", url, err.code, err.read()[:300].decode("utf-8", "replace"))
        return err.code
    except Exception as err:  # network down, DNS, timeout: never fail the DAG for chat
        log.warning("kchat notifier: could not reach %s: %s", url, err)
        return None


def kchat_notify(context: dict) -> int | None:
    """Callback for on_success_callback / on_failure_callback (state inferred)."""
    return post(build_payload(context))


def kchat_notify_success(context: dict) -> int | None:
    return post(build_payload(context, "success"))


def kchat_notify_failure(context: dict) -> int | None:
    return post(build_payload(context, "failed"))
