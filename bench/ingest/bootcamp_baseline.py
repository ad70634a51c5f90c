"""The bootcamp's daily job, reproduced faithfully as the baseline.

Their Airflow task: branch on "is there a log today", rm the old output, pull
`{...}` out of each line with a regex, eval() it, strip everything outside a
character whitelist (added after lone surrogates crashed the Parquet writer,
which also ate . ? ,), build a pandas DataFrame and write parquet.
Usage: python bootcamp_baseline.py LOGFILE OUTDIR  → prints {"rows", "seconds"}
"""
import json
import os
import re
import shutil
import sys
import time

import pandas as pd

log_file, out_dir = sys.argv[1], sys.argv[2]
started = time.perf_counter()

if not os.path.exists(log_file):  # the branch: no log today → skip
    print(json.dumps({"rows": 0, "seconds": 0.0, "skipped": True}))
    sys.exit(0)
if os.path.exists(out_dir):  # rm the old output first (not crash-safe)
    shutil.rmtree(out_dir)
os.makedirs(out_dir)

pattern = re.compile(r"\{.*\}")
whitelist = re.compile(r"[^0-9a-zA-Z가-힣ㄱ-ㅎㅏ-ㅣ\s]")
rows = []
with open(log_file, encoding="utf-8", errors="surrogateescape") as f:
    for line in f:
        m = pattern.search(line)
        if not m:
            continue
        d = eval(m.group())  # noqa: S307 — this is exactly what the baseline did
        d["message"] = whitelist.sub("", d["message"])
        rows.append(d)

df = pd.DataFrame(rows)
df["time"] = pd.to_datetime(df["time"])
df.to_parquet(os.path.join(out_dir, "chat.parquet"), engine="pyarrow")
print(json.dumps({"rows": len(df), "seconds": time.perf_counter() - started}))
