"""Cold starts: a fresh `coach` process, from spawn to its first reply, and its peak memory.

Each command answers the same question (a `qa` turn, so the first reply
includes a real retrieval): `coach ask` until it exits, `coach chat --script`
until its reply to the first line, `coach serve` until the reply to a `/chat`
request over HTTP (polled from the moment the port opens; the client here is
plain urllib, so no client start-up is counted). Peak RSS is the child's own
high-water mark (`VmHWM` in /proc) read when the reply arrives (`wait4`'s
figure would count the benchmark process, which the child was forked from),
and so is its CPU time.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

QUESTION = "wat is schijnsamenwerking?"
TIMEOUT = 600.0


@dataclass(frozen=True)
class Start:
    """One cold start: seconds to the first reply, peak RSS (MB) and CPU seconds until then."""

    seconds: float
    rss_mb: float
    cpu_s: float


def _spawn(args: list[str], env: Mapping[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "coach", *args],
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def usage(pid: int) -> tuple[float, float]:
    """The process's peak resident memory (MB) and CPU time (s) so far; zeros without /proc.

    CPU time shows the work a start does, which other processes on the same
    cores do not inflate the way they inflate the wall-clock time.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return 0.0, 0.0
    rss = next(
        (int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")),
        0.0,
    )
    fields = stat.rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return rss, cpu


def cold_ask(env: Mapping[str, str]) -> Start:
    """`coach ask QUESTION --json`, until it has printed its answer."""
    started = time.perf_counter()
    proc = _spawn(["ask", QUESTION, "--json"], env)
    assert proc.stdout is not None
    out, result = "", None
    for line in proc.stdout:
        out += line
        if line.startswith("}"):  # the end of the indented JSON answer
            result = Start(time.perf_counter() - started, *usage(proc.pid))
            break
    proc.stdout.read()
    proc.wait()
    if result is None or proc.returncode != 0 or '"hits"' not in out:
        raise RuntimeError(f"coach ask failed (exit {proc.returncode})")
    return result


def cold_chat(env: Mapping[str, str]) -> Start:
    """`coach chat --script`, until it prints its reply to the first line."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as script:
        script.write(QUESTION + "\n")
    try:
        started = time.perf_counter()
        proc = _spawn(["chat", "--json", "--script", script.name], env)
        assert proc.stdout is not None
        result = None
        for line in proc.stdout:
            if line.startswith("{") and json.loads(line).get("turn") == 1:
                result = Start(time.perf_counter() - started, *usage(proc.pid))
                break
        proc.stdout.read()
        proc.wait()
    finally:
        Path(script.name).unlink()
    if result is None:
        raise RuntimeError(f"coach chat gave no reply (exit {proc.returncode})")
    return result


def cold_serve(env: Mapping[str, str]) -> Start:
    """`coach serve`, until it answers a /chat request."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    started = time.perf_counter()
    proc = _spawn(["serve", "--port", str(port)], env)
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"coach serve stopped (exit {proc.returncode})")
            if time.perf_counter() - started > TIMEOUT:
                raise RuntimeError("coach serve did not answer in time")
            try:
                if _chat_once(url):
                    result = Start(time.perf_counter() - started, *usage(proc.pid))
                    break
            except OSError:
                time.sleep(0.02)
    finally:
        proc.terminate()
        if proc.stdout is not None:
            proc.stdout.read()
        proc.wait()
    return result


def _chat_once(url: str) -> bool:
    """POST the question to /chat and read the result stream; True once it completed."""
    request = urllib.request.Request(
        f"{url}/gradio_api/call/chat",
        data=json.dumps({"data": [QUESTION]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        event = json.load(response)["event_id"]
    with urllib.request.urlopen(f"{url}/gradio_api/call/chat/{event}", timeout=120) as response:
        return "event: complete" in response.read().decode("utf-8", "replace")


COLD_STARTS = {"ask": cold_ask, "chat": cold_chat, "serve": cold_serve}
