"""Disposable Neo4j servers for the test suite, started from a Neo4j 5 server home.

The test command (``scripts/test.sh``) uses this to start one server for the server tests when
none is given (``NEO4J_URI`` unset) and a server home is at hand: ``NEO4J_HOME``, or the home
provided beside the checkout at ``../shared/neo4j/home``. The bulk-import test uses it to start a
second server on a home whose database ``neo4j-admin`` has just imported.

A start copies the home (without its ``data``, ``logs`` and ``run`` folders) into a fresh
temporary folder, sets a random password, listens on free ports of 127.0.0.1 only, and waits until
Bolt answers. Nothing here is a mock: it runs the real ``bin/neo4j``.

Command line (used by ``scripts/test.sh``)::

    python tests/_neo4j_home.py find             # prints the home that would be used, or why none (exit 1)
    python tests/_neo4j_home.py start            # prints one `export NEO4J_URI=… NEO4J_TEST_HOME=…` line
    python tests/_neo4j_home.py stop HOME        # stops that server and removes its folder
"""
from __future__ import annotations

import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Where the project's neighbouring server home lies (beside every checkout and CI run).
SHARED_HOME = ROOT.parent / "shared" / "neo4j" / "home"
_SKIP_COPY = {"data", "logs", "run"}


def find_home() -> tuple[Path | None, str]:
    """The Neo4j server home to start, or ``None`` and the reason there is none."""
    given = os.environ.get("NEO4J_HOME")
    candidates = [Path(given)] if given else [SHARED_HOME]
    for home in candidates:
        if (home / "bin" / "neo4j").is_file() and (home / "bin" / "neo4j-admin").is_file():
            if shutil.which("java") is None:
                return None, f"java not found (needed by the Neo4j server home {home}; apt-get install openjdk-17-jre-headless)"
            return home, f"Neo4j server home {home}"
    where = f"NEO4J_HOME={given}" if given else f"{SHARED_HOME}"
    return None, f"no Neo4j server home at {where} (set NEO4J_URI, or NEO4J_HOME to a Neo4j 5 server home)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def copy_home(src: Path, *, prefix: str = "neo4j-test.") -> Path:
    """A writable copy of a server home, without data, in a new temporary folder."""
    home = Path(tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("TMPDIR")))
    for item in src.iterdir():
        if item.name in _SKIP_COPY:
            continue
        if item.is_dir():
            shutil.copytree(item, home / item.name, symlinks=True)
        else:
            shutil.copy2(item, home / item.name)
    for sub in ("data", "logs", "run", "import"):
        (home / sub).mkdir(exist_ok=True)
    for path in home.rglob("*"):
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)
    return home


def admin_env(home: Path) -> dict[str, str]:
    """The environment under which ``home``'s own tools (neo4j-admin, cypher-shell) act on ``home``."""
    return {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}


def configure(home: Path, *, bolt: int, http: int) -> None:
    """Point the copy's ``neo4j.conf`` at 127.0.0.1 ports and the memory the tests need (each key once)."""
    settings = {
        "server.default_listen_address": "127.0.0.1",
        "server.default_advertised_address": "127.0.0.1",
        "server.bolt.listen_address": f"127.0.0.1:{bolt}",
        "server.http.listen_address": f"127.0.0.1:{http}",
        "server.https.enabled": "false",
        "server.memory.heap.initial_size": os.environ.get("NEO4J_HEAP", "1g"),
        "server.memory.heap.max_size": os.environ.get("NEO4J_HEAP", "1g"),
        "server.memory.pagecache.size": os.environ.get("NEO4J_PAGECACHE", "512m"),
        "dbms.usage_report.enabled": "false",
        "server.directories.import": str(home / "import"),
    }
    conf = home / "conf" / "neo4j.conf"
    lines = [ln for ln in conf.read_text(encoding="utf-8").splitlines()
             if ln.split("=", 1)[0].strip() not in settings]
    lines += ["", "# ---- disposable test server ----", *(f"{k}={v}" for k, v in settings.items())]
    conf.write_text("\n".join(lines) + "\n", encoding="utf-8")


def start(home: Path, *, password: str | None = None, timeout: float | None = None) -> dict[str, str]:
    """Start the server of an already copied and (optionally) imported home; return its NEO4J_* variables."""
    bolt, http = free_port(), free_port()
    configure(home, bolt=bolt, http=http)
    password = password or "t" + secrets.token_hex(12)
    env = admin_env(home)
    done = subprocess.run([str(home / "bin" / "neo4j-admin"), "dbms", "set-initial-password", password],
                          env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"neo4j-admin set-initial-password failed in {home}: {done.stdout}{done.stderr}")
    log = open(home / "logs" / "console.log", "wb")
    proc = subprocess.Popen([str(home / "bin" / "neo4j"), "console"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    (home / "run" / "server.pid").write_text(str(proc.pid))
    deadline = time.monotonic() + (timeout or float(os.environ.get("NEO4J_START_TIMEOUT", "180")))
    while True:
        with socket.socket() as s:
            s.settimeout(1)
            if s.connect_ex(("127.0.0.1", bolt)) == 0:
                break
        if proc.poll() is not None:
            tail = (home / "logs" / "console.log").read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError(f"the Neo4j server in {home} exited (code {proc.returncode}):\n{tail}")
        if time.monotonic() > deadline:
            stop(home)
            raise RuntimeError(f"the Neo4j server in {home} opened no Bolt port in time; see its logs/console.log")
        time.sleep(0.5)
    return {"NEO4J_URI": f"bolt://127.0.0.1:{bolt}", "NEO4J_USER": "neo4j", "NEO4J_PASSWORD": password,
            "NEO4J_TEST_HOME": str(home)}


def wipe(driver: object, database: str | None = None) -> None:
    """Empty a test server's database in batches (one transaction for a province would exhaust its memory)."""
    with driver.session(database=database) as s:  # type: ignore[attr-defined]
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS").consume()


def stop(home: Path, *, remove: bool = True) -> None:
    """Stop the server started in ``home`` (SIGTERM, then SIGKILL after 60 s) and remove the folder."""
    pid_file = home / "run" / "server.pid"
    if pid_file.is_file():
        pid = int(pid_file.read_text())
        try:
            os.killpg(pid, signal.SIGTERM)
            for _ in range(120):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                # reap it if it is our own child (a zombie still answers kill 0)
                try:
                    if os.waitpid(pid, os.WNOHANG)[0] == pid:
                        break
                except ChildProcessError:
                    pass
                time.sleep(0.5)
            else:
                os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if remove and home.name.startswith("neo4j-"):
        shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else ""
    if cmd == "find":
        home, why = find_home()
        print(why)
        return 0 if home else 1
    if cmd == "start":
        home, why = find_home()
        if home is None:
            print(why, file=sys.stderr)
            return 1
        copy = copy_home(home)
        try:
            env = start(copy)
        except BaseException:
            stop(copy)
            raise
        print("export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()))
        return 0
    if cmd == "stop" and len(argv) == 2:
        stop(Path(argv[1]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
