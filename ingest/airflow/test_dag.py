"""CI check of kchat_daily_dag.py (stdlib unittest; run: python test_dag.py).

With a real Airflow installed (ingest/airflow/.venv, see .ci/run) the DAG is
imported by Airflow itself; without one, a tiny fake `airflow` package (only
the names the DAG uses, in their Airflow 2 locations) stands in, so the file's
structure, branch, trigger rule and callbacks are still checked. The mode in
use is printed.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import sys
import tempfile
import textwrap
import threading
import unittest
from http.server import BaseHTTPRequestHandler, HTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
DAG_FILE = os.path.join(HERE, "kchat_daily_dag.py")

FAKE_AIRFLOW = {
    "airflow/__init__.py": """
        class DAG:
            def __init__(self, dag_id, **kw):
                self.dag_id = dag_id
                self.kw = kw
                self.task_dict = {}
                self.on_success_callback = kw.get("on_success_callback")
                self.on_failure_callback = kw.get("on_failure_callback")
            def __enter__(self):
                import airflow
                airflow._current = self
                return self
            def __exit__(self, *a):
                import airflow
                airflow._current = None
        _current = None
    """,
    "airflow/models/__init__.py": """
        class Variable:
            @staticmethod
            def get(key, default_var=None):
                raise RuntimeError("no metadata database in the fake")
    """,
    "airflow/hooks/__init__.py": "",
    "airflow/hooks/base.py": """
        class BaseHook:
            @staticmethod
            def get_connection(conn_id):
                raise RuntimeError("no connections in the fake")
    """,
    "airflow/utils/__init__.py": "",
    "airflow/utils/trigger_rule.py": """
        class TriggerRule:
            ALL_SUCCESS = "all_success"
            NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"
    """,
    "airflow/operators/__init__.py": """
        import airflow
        class BaseOperator:
            def __init__(self, task_id, trigger_rule="all_success", **kw):
                self.task_id = task_id
                self.trigger_rule = trigger_rule
                self.kw = kw
                self.downstream_task_ids = set()
                self.upstream_task_ids = set()
                airflow._current.task_dict[task_id] = self
            def __rshift__(self, other):
                for o in (other if isinstance(other, list) else [other]):
                    self.downstream_task_ids.add(o.task_id)
                    o.upstream_task_ids.add(self.task_id)
                return other
            def __rrshift__(self, other):
                for o in other:
                    o >> self
                return self
    """,
    "airflow/operators/bash.py": """
        from airflow.operators import BaseOperator
        class BashOperator(BaseOperator):
            def __init__(self, task_id, bash_command, **kw):
                super().__init__(task_id, **kw)
                self.bash_command = bash_command
    """,
    "airflow/operators/empty.py": """
        from airflow.operators import BaseOperator
        class EmptyOperator(BaseOperator):
            pass
    """,
    "airflow/operators/python.py": """
        from airflow.operators import BaseOperator
        class BranchPythonOperator(BaseOperator):
            def __init__(self, task_id, python_callable, **kw):
                super().__init__(task_id, **kw)
                self.python_callable = python_callable
    """,
}


REAL_AIRFLOW = importlib.util.find_spec("airflow") is not None


def load_dag_module():
    if not REAL_AIRFLOW:
        fake = tempfile.mkdtemp(prefix="fake-airflow-")
        for rel, src in FAKE_AIRFLOW.items():
            path = os.path.join(fake, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(textwrap.dedent(src))
        sys.path.insert(0, fake)
    spec = importlib.util.spec_from_file_location("kchat_daily_dag", DAG_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Recorder(BaseHTTPRequestHandler):
    """A loopback stand-in for kchat's /hooks/airflow and /api/sql."""

    posts: list = []
    event_count = 0

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Recorder.posts.append((self.path, self.headers.get("Authorization"), body))
        payload = {"ok": True} if self.path == "/hooks/airflow" else {"columns": ["n"], "rows": [[Recorder.event_count]]}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class DagTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
        os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        cls.mod = load_dag_module()
        cls.dag = cls.mod.dag
        print(f"[test_dag] mode: {'real Airflow ' + getattr(__import__('airflow'), '__version__', '?') if REAL_AIRFLOW else 'fake airflow package (Airflow not installed)'}")
        cls.server = HTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.url = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()

    def setUp(self):
        Recorder.posts.clear()
        os.environ["KCHAT_URL"] = self.url
        os.environ["HOOK_TOKEN"] = "test-hook-token"
        os.environ["KCHAT_API_TOKEN"] = "test-api-token"

    def test_shape_branch_and_trigger_rule(self):
        d = self.dag
        self.assertEqual(d.dag_id, "kchat_daily_parquet")
        self.assertEqual(set(d.task_dict), {"check_events", "run_pipeline", "skip_day", "done"})
        t = d.task_dict
        self.assertEqual(set(t["check_events"].downstream_task_ids), {"run_pipeline", "skip_day"})
        self.assertEqual(set(t["done"].upstream_task_ids), {"run_pipeline", "skip_day"})
        self.assertEqual(str(getattr(t["done"].trigger_rule, "value", t["done"].trigger_rule)), "none_failed_min_one_success")
        self.assertIn("npx kchat pipeline run --date {{ ds }} --json", t["run_pipeline"].bash_command)
        self.assertIsNotNone(d.on_success_callback)
        self.assertIsNotNone(d.on_failure_callback)

    def test_branch_asks_kchat_for_the_days_events(self):
        Recorder.event_count = 0
        self.assertEqual(self.mod.check_events(ds="2024-08-25"), "skip_day")
        Recorder.event_count = 1096
        self.assertEqual(self.mod.check_events(ds="2024-08-27"), "run_pipeline")
        path, auth, body = Recorder.posts[-1]
        self.assertEqual((path, auth), ("/api/sql", "Bearer test-api-token"))
        self.assertEqual(body["params"], ["2024-08-27", "2024-08-27"])

    def test_callbacks_post_to_the_hook_with_the_token_from_the_environment(self):
        class TI:
            task_id = "run_pipeline"
            log_url = "http://airflow/log"

        class Run:
            run_id = "scheduled__2024-08-27"

        self.mod.on_failure({"task_instance": TI(), "dag_run": Run(), "exception": ValueError("디스크 부족")})
        self.mod.on_success({"dag_run": Run()})
        self.assertEqual(len(Recorder.posts), 2)
        (p1, a1, b1), (p2, a2, b2) = Recorder.posts
        self.assertEqual((p1, a1), ("/hooks/airflow", "Bearer test-hook-token"))
        self.assertEqual(b1["state"], "failed")
        self.assertEqual(b1["task_id"], "run_pipeline")
        self.assertEqual(b1["exception"], "디스크 부족")
        self.assertEqual(b1["dag_id"], "kchat_daily_parquet")
        self.assertEqual(b2["state"], "success")
        self.assertEqual(b2["run_id"], "scheduled__2024-08-27")

    def test_no_token_is_hard_coded(self):
        with open(DAG_FILE, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                self.assertNotRegex(node.value, r"^Bearer [A-Za-z0-9_-]{8,}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
