"""
Celery's side of bench/jobs-redis.ts: the same no-op job on the same Redis.

  python3 celery_bench.py enqueue REDIS_URL QUEUE N     publish N no-op tasks, print the seconds it took
  python3 -m celery -A celery_bench worker ...          (started by jobs-redis.ts with BENCH_* variables)

The task records the first and the last execution time in Redis, so the rate measured is
processing only (worker boot and publishing excluded), as on the errand and BullMQ side.
"""
import os
import sys
import time

import redis
from celery import Celery

URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
QUEUE = os.environ.get("BENCH_QUEUE", "errand-bench-celery")
TOTAL = int(os.environ.get("BENCH_TOTAL", "0"))

app = Celery("celery_bench", broker=URL)
app.conf.update(
    task_default_queue=QUEUE,
    task_ignore_result=True,
    worker_prefetch_multiplier=64,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)
_redis = None


def _client():
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(URL)
    return _redis


@app.task(name="noop", ignore_result=True)
def noop():
    client = _client()
    done = client.incr(f"{QUEUE}:done")
    if done == 1:
        client.set(f"{QUEUE}:first", repr(time.time()))
    if done == TOTAL:
        client.set(f"{QUEUE}:last", repr(time.time()))


if __name__ == "__main__" and len(sys.argv) >= 2 and sys.argv[1] == "enqueue":
    started = time.time()
    for _ in range(TOTAL):
        noop.apply_async()
    print(f"{time.time() - started:.3f}")
