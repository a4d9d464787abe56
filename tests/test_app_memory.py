"""Oversized messages do not grow the server: `coach serve` in its own process, its resident
memory read from /proc before and after 30 × 1 MB and 10 × 10 MB messages, sent over
`gradio_client`, over the browser's own event endpoint and as a raw chunked upload."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_app_server import client, free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc"),
]

MB = 1_000_000
# Generous: without the request cap 30 × 1 MB added 33 MB and 10 × 10 MB 104 MB.
MAX_GROWTH_MB = 12.0


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert found, status
    return int(found.group(1)) / 1024


@pytest.fixture(scope="module")
def server(real_index_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    home = tmp_path_factory.mktemp("memory") / "home"
    shutil.copytree(real_index_home / "index", home / "index")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(COACH_HOME=str(home), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "coach", "serve", "--port", str(free_port())],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = None
        deadline = time.time() + 300
        while time.time() < deadline and url is None:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            found = re.search(r"running at (http://127\.0\.0\.1:\d+/?)", line)
            url = found.group(1) if found else None
        assert url, "coach serve did not print its URL"
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _refused_over_every_path(url: str, size: int, session_hash: str) -> None:
    """One message of `size` characters over gradio_client, the UI event endpoint and chunked."""
    c = client(url)
    with pytest.raises(httpx.HTTPStatusError) as refused:
        c.predict("m" * size, api_name="/chat")
    assert refused.value.response.status_code == 413
    body = json.dumps({"data": ["u" * size, None], "fn_index": 3, "session_hash": session_hash})
    response = httpx.post(f"{url.rstrip('/')}/gradio_api/queue/join", content=body, timeout=60)
    assert response.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
        yield b'{"data": ["'
        for _ in range(size // 100_000):
            yield b"c" * 100_000
        yield b'"], "fn_index": 3, "session_hash": "' + session_hash.encode() + b'"}'

    response = httpx.post(f"{url.rstrip('/')}/gradio_api/run/predict", content=chunks(), timeout=60)
    assert response.status_code == 413


def test_memory_stays_flat_under_1_mb_and_10_mb_messages(server: tuple) -> None:
    url, pid = server
    c = client(url)
    for text in ["Wij zijn drie gemeenten.", "We vergaderen veel.", "verder", "4 2 3"]:
        assert "error" not in c.predict(text, api_name="/chat_json")
    _refused_over_every_path(url, MB, "warm-up")  # first use allocates once
    time.sleep(1)
    before = rss_mb(pid)
    for n in range(30):
        _refused_over_every_path(url, MB, f"one-mb-{n}")
    after_1mb = rss_mb(pid)
    for n in range(10):
        _refused_over_every_path(url, 10 * MB, f"ten-mb-{n}")
    time.sleep(1)
    after_10mb = rss_mb(pid)
    assert c.predict("samenvatting", api_name="/chat")  # still serving
    print(
        f"\nRSS MB: before {before:.1f}, after 30 x 1 MB (x3 paths) {after_1mb:.1f}, "
        f"after 10 x 10 MB (x3 paths) {after_10mb:.1f}"
    )
    assert after_1mb - before < MAX_GROWTH_MB
    assert after_10mb - before < MAX_GROWTH_MB
