"""Unit test of the notifier against a loopback HTTP server (stdlib only).

    python3 -m unittest bots/airflow/test_kchat_notifier.py
"""
import datetime as dt
import json
import os
import sys
import threading
import unittest
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kchat_notifier  # noqa: E402

received = []


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received.append((self.path, self.headers.get("Authorization"), json.loads(body.decode("utf-8"))))
        status = 401 if self.headers.get("Authorization") != "Bearer s3cret" else 202
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok":true}')

    def log_message(self, *args):
        pass


def context(exception=None, state="success"):
    ti = SimpleNamespace(task_id="to_parquet", state=state, log_url="http://airflow.local/log?task_id=to_parquet", dag_id="kchat_daily_parquet")
    return {
        "dag": SimpleNamespace(dag_id="kchat_daily_parquet"),
        "dag_run": SimpleNamespace(run_id="scheduled__2024-09-01T15:00:00+00:00", dag_id="kchat_daily_parquet", state=state),
        "run_id": "scheduled__2024-09-01T15:00:00+00:00",
        "ti": ti,
        "task_instance": ti,
        "logical_date": dt.datetime(2024, 9, 1, 15, 0, tzinfo=dt.timezone.utc),
        "exception": exception,
    }


class NotifierTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = HTTPServer(("127.0.0.1", 0), Hook)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        os.environ["KCHAT_URL"] = f"http://127.0.0.1:{cls.server.server_address[1]}/"
        os.environ["KCHAT_HOOK_TOKEN"] = "s3cret"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()

    def setUp(self):
        received.clear()

    def test_success(self):
        self.assertEqual(kchat_notifier.kchat_notify(context()), 202)
        path, auth, body = received[0]
        self.assertEqual(path, "/hooks/airflow")
        self.assertEqual(auth, "Bearer s3cret")
        self.assertEqual(body["state"], "success")
        self.assertEqual(body["dag_id"], "kchat_daily_parquet")
        self.assertEqual(body["task_id"], "to_parquet")
        self.assertEqual(body["logical_date"], "2024-09-01T15:00:00+00:00")
        self.assertNotIn("exception", body)

    def test_failure_with_korean_exception(self):
        err = UnicodeEncodeError("utf-8", "팀4 로그", 0, 1, "surrogates not allowed")
        self.assertEqual(kchat_notifier.kchat_notify(context(err, "failed")), 202)
        body = received[0][2]
        self.assertEqual(body["state"], "failed")
        self.assertTrue(body["exception"].startswith("UnicodeEncodeError: "))

    def test_wrong_token_is_reported_not_raised(self):
        self.assertEqual(kchat_notifier.post({"dag_id": "d", "run_id": "r", "state": "success"}, token="wrong"), 401)

    def test_unreachable_never_raises(self):
        self.assertIsNone(kchat_notifier.post({"dag_id": "d", "run_id": "r", "state": "failed"}, url="http://127.0.0.1:9"))

    def test_explicit_callbacks(self):
        kchat_notifier.kchat_notify_failure(context())
        self.assertEqual(received[0][2]["state"], "failed")


if __name__ == "__main__":
    unittest.main()
