"""kchat's daily Parquet job for teams that already run Airflow.

    check_events ──▶ run_pipeline ──┐
         └────────▶ skip_day ───────┴─▶ done (none_failed_min_one_success)

check_events asks kchat whether the logical date has events (`POST /api/sql`
when KCHAT_URL and an auditor token are set, else `npx kchat pipeline count`); run_pipeline runs
`npx kchat pipeline run --date {{ ds }} --json`; skip_day is a no-op. `done`
must not be skipped when one branch is, hence its trigger rule. Success and
failure are posted to kchat's `/hooks/airflow` with HOOK_TOKEN, read from the
Airflow Variable `kchat_hook_token`, the Connection `kchat_hook` (password) or
the environment, never from this file.

Settings (environment variables, else Airflow Variables):
  kchat_url / KCHAT_URL            e.g. http://127.0.0.1:8080
  kchat_dir / KCHAT_DIR            the kchat checkout where `npx kchat` runs
  kchat_hook_token / HOOK_TOKEN    bearer token for /hooks/airflow
  kchat_api_token / KCHAT_API_TOKEN  auditor token for the event check (optional)
Imports on Airflow 2.x and 3.x.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from datetime import datetime, timedelta

from airflow import DAG

try:  # Airflow 3 (and 2.x with the standard provider)
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.providers.standard.operators.python import BranchPythonOperator
except ImportError:  # Airflow 2.x
    from airflow.operators.bash import BashOperator
    from airflow.operators.empty import EmptyOperator
    from airflow.operators.python import BranchPythonOperator

try:
    from airflow.utils.trigger_rule import TriggerRule

    NONE_FAILED_MIN_ONE_SUCCESS = TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS
except ImportError:  # pragma: no cover - very old 2.x
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"

DAG_ID = "kchat_daily_parquet"


def _setting(variable: str, env: str, default: str | None = None) -> str | None:
    """The environment, else an Airflow Variable (read at run time, never at import)."""
    if os.environ.get(env):
        return os.environ[env]
    try:
        from airflow.models import Variable

        value = Variable.get(variable, default_var=None)
        if value:
            return value
    except Exception:  # no metadata DB (e.g. parsing in CI)
        pass
    return default


def _hook_token() -> str | None:
    token = _setting("kchat_hook_token", "HOOK_TOKEN")
    if token:
        return token
    try:
        from airflow.hooks.base import BaseHook

        return BaseHook.get_connection("kchat_hook").password or None
    except Exception:
        return None


def _kchat_dir() -> str:
    return _setting("kchat_dir", "KCHAT_DIR", os.getcwd()) or os.getcwd()


def check_events(ds: str, **_: object) -> str:
    """Branch: run the pipeline when the day has events, else skip."""
    url = _setting("kchat_url", "KCHAT_URL")
    token = _setting("kchat_api_token", "KCHAT_API_TOKEN")
    if url and token:
        sql = (
            "SELECT count(*) AS n FROM messages "
            "WHERE ts >= CAST(? AS DATE)::TIMESTAMP AT TIME ZONE 'Asia/Seoul' "
            "AND ts < (CAST(? AS DATE) + 1)::TIMESTAMP AT TIME ZONE 'Asia/Seoul'"
        )
        req = urllib.request.Request(
            url.rstrip("/") + "/api/sql",
            data=json.dumps({"sql": sql, "params": [ds, ds]}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=30) as res:
            n = int(json.load(res)["rows"][0][0])
    else:
        out = subprocess.run(
            ["npx", "kchat", "pipeline", "count", "--date", ds, "--json"],
            cwd=_kchat_dir(),
            capture_output=True,
            text=True,
            check=True,
        )
        n = int(json.loads(out.stdout)["rows"])
    return "run_pipeline" if n > 0 else "skip_day"


def _post(context: dict, state: str) -> None:
    """success/failure callback → kchat /hooks/airflow (the system bot posts to #ops)."""
    url = _setting("kchat_url", "KCHAT_URL")
    token = _hook_token()
    if not url or not token:
        return
    ti = context.get("task_instance") or context.get("ti")
    dag_run = context.get("dag_run")
    logical = context.get("logical_date") or context.get("execution_date")
    body = {
        "dag_id": DAG_ID,
        "run_id": getattr(dag_run, "run_id", None) or context.get("run_id") or "",
        "state": state,
        "task_id": getattr(ti, "task_id", None),
        "logical_date": logical.isoformat() if hasattr(logical, "isoformat") else (str(logical) if logical else None),
        "log_url": getattr(ti, "log_url", None),
    }
    if state == "failed" and context.get("exception") is not None:
        body["exception"] = str(context["exception"])[:2000]
    req = urllib.request.Request(
        url.rstrip("/") + "/hooks/airflow",
        data=json.dumps({k: v for k, v in body.items() if v is not None}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        urllib.request.urlopen(req, timeout=10).close()
    except Exception as err:  # a chat outage must not fail the data job
        print(f"kchat hook failed: {err}")


def on_success(context: dict) -> None:
    _post(context, "success")


def on_failure(context: dict) -> None:
    _post(context, "failed")


with DAG(
    dag_id=DAG_ID,
    description="kchat: one day of messages → $DATA_DIR/parquet/dt=YYYY-MM-DD (zstd), skipped when the day is empty",
    schedule="10 0 * * *",
    start_date=datetime(2024, 8, 26),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=5), "on_failure_callback": on_failure},
    on_success_callback=on_success,
    on_failure_callback=on_failure,
    tags=["kchat"],
) as dag:
    check = BranchPythonOperator(task_id="check_events", python_callable=check_events)
    run = BashOperator(
        task_id="run_pipeline",
        bash_command="cd \"${KCHAT_DIR:-.}\" && npx kchat pipeline run --date {{ ds }} --json",
        env={"KCHAT_DIR": "{{ var.value.get('kchat_dir', '') }}"},
        append_env=True,
    )
    skip = EmptyOperator(task_id="skip_day")
    done = EmptyOperator(task_id="done", trigger_rule=NONE_FAILED_MIN_ONE_SUCCESS)
    check >> [run, skip] >> done
