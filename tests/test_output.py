"""OutputCapture with real sys.stdout/sys.stderr swapping, logging, progress bars and threads."""
from __future__ import annotations

import io
import logging
import sys
import threading
import time

import psutil
import pytest

from py_tracker.output import OutputCapture


class Console(io.StringIO):
    """A Python-level stream (like ipykernel's OutStream): its write can be shadowed."""


class Discard(io.TextIOBase):
    """A Python-level stream that keeps nothing (for volume tests)."""

    def write(self, s):
        return len(s)

    def writable(self):
        return True


class SlotDiscard:
    __slots__ = ()

    def write(self, s):
        return len(s)


@pytest.fixture
def consoles(monkeypatch):
    """Call it in the test body: pytest's own capture resets sys.stdout after fixtures run."""

    def swap():
        out, err = Console(), Console()
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        return out, err
    return swap


def lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def test_patchable_stream_is_kept_and_restored(tmp_path, consoles):
    out, err = consoles()
    cap = OutputCapture(tmp_path / "output.log").start()
    assert sys.stdout is out and sys.stderr is err  # same objects: the cell sees no change
    print("hello", 42)
    print("to err", file=sys.stderr)
    sys.stdout.writelines(["a\n", "b\n"])
    cap.stop()
    assert sys.stdout is out and "write" not in vars(out) and "write" not in vars(err)
    assert out.getvalue() == "hello 42\na\nb\n" and err.getvalue() == "to err\n"
    assert lines(tmp_path / "output.log") == ["hello 42", "to err", "a", "b"]
    print("after stop")
    assert "after stop" not in (tmp_path / "output.log").read_text()


class SlotStream:
    """A stream whose instances take no attributes (__slots__): it has to be wrapped."""

    __slots__ = ("buf",)

    def __init__(self):
        self.buf = []

    def write(self, s):
        self.buf.append(s)
        return len(s)

    def flush(self):
        pass

    def getvalue(self):
        return "".join(self.buf)


def test_unpatchable_stream_is_wrapped_then_restored_exactly(tmp_path, monkeypatch):
    out = SlotStream()
    monkeypatch.setattr(sys, "stdout", out)
    cap = OutputCapture(tmp_path / "o.log").start()
    assert sys.stdout is not out
    print("via wrapper")
    assert sys.stdout.getvalue() == "via wrapper\n"  # everything else is delegated
    cap.stop()
    assert sys.stdout is out
    assert lines(tmp_path / "o.log") == ["via wrapper"]


def test_real_ipykernel_outstream_is_patched_in_place(tmp_path, monkeypatch):
    zmq = pytest.importorskip("zmq")
    from ipykernel.iostream import IOPubThread, OutStream
    from jupyter_client.session import Session

    ctx = zmq.Context()
    pub = ctx.socket(zmq.PUB)
    thread = IOPubThread(pub)
    thread.start()
    try:
        stream = OutStream(Session(), thread, "stdout", watchfd=False)
        monkeypatch.setattr(sys, "stdout", stream)
        cap = OutputCapture(tmp_path / "o.log").start()
        assert sys.stdout is stream
        print("from the kernel stream")
        cap.stop()
        assert sys.stdout is stream and "write" not in vars(stream)
        stream.close()
    finally:
        thread.stop()
        thread.close()
        ctx.term()
    assert lines(tmp_path / "o.log") == ["from the kernel stream"]


def test_does_not_clobber_a_later_wrapper(tmp_path, monkeypatch):
    base = SlotStream()
    monkeypatch.setattr(sys, "stdout", base)
    cap = OutputCapture(tmp_path / "o.log").start()
    ours = sys.stdout

    class Other:
        def __init__(self, inner):
            self.inner = inner

        def write(self, s):
            return self.inner.write(s)

        def flush(self):
            pass

    other = Other(ours)
    sys.stdout = other
    print("while both")
    cap.stop()
    assert sys.stdout is other  # theirs stays
    print("after stop")  # goes through our now-inert layer to the real stream
    assert base.getvalue() == "while both\nafter stop\n"
    assert lines(tmp_path / "o.log") == ["while both"]


def test_does_not_clobber_a_later_instance_patch(tmp_path, consoles):
    out, _ = consoles()
    cap = OutputCapture(tmp_path / "o.log").start()
    inner = out.write
    seen = []
    out.write = lambda s: (seen.append(s), inner(s))[1]
    print("x")
    cap.stop()
    print("y")
    assert "write" in vars(out) and seen == ["x", "\n", "y", "\n"]
    assert out.getvalue() == "x\ny\n" and lines(tmp_path / "o.log") == ["x"]


def test_carriage_returns_collapse_to_last_state(tmp_path, consoles):
    consoles()
    cap = OutputCapture(tmp_path / "o.log").start()
    err = sys.stderr
    for pct in range(0, 101, 10):  # how tqdm draws a bar
        err.write(f"\rtrain: {pct:3d}%|{'#' * (pct // 10):10s}|")
    err.write("\n")
    print("epoch done")
    sys.stdout.write("windows line\r")
    sys.stdout.write("\nnext\r\n")
    sys.stdout.write("a\rb\nc\r\rd\n")
    err.write("\rpending bar 42%")  # never finished: written in its last state at stop
    cap.stop()
    assert lines(tmp_path / "o.log") == [
        "train: 100%|##########|", "epoch done", "windows line", "next", "b", "d", "pending bar 42%"]
    assert sys.stderr.getvalue().count("\r") == 12  # the console still got every redraw


def test_logging_records_captured_once(tmp_path, consoles):
    _, err = consoles()
    log = logging.getLogger("py_tracker.test.output")
    pytest_handlers = logging.root.handlers[:]
    logging.root.handlers[:] = []  # as in a plain kernel: no handler on the root logger
    try:
        run_logging_scenario(tmp_path, log)
    finally:
        logging.root.handlers[:] = pytest_handlers
    assert err.getvalue() == "no handler anywhere\nprinted by a handler\n"  # cell output unchanged
    text = lines(tmp_path / "o.log")
    assert text[:2] == ["no handler anywhere", "printed by a handler"]
    assert len(text) == 3 and text[2].endswith("ERROR py_tracker.test.output: to a stream we do not capture")


def test_logging_beside_other_root_handlers(tmp_path, consoles):
    _, err = consoles()
    log = logging.getLogger("py_tracker.test.output2")
    cap = OutputCapture(tmp_path / "o.log").start()
    log.warning("pytest's handler is on the root logger")
    cap.stop()
    assert err.getvalue() == ""  # no last resort print when another handler exists
    assert lines(tmp_path / "o.log")[0].endswith("WARNING py_tracker.test.output2: pytest's handler is on the root logger")


def run_logging_scenario(tmp_path, log):
    root_handlers = list(logging.root.handlers)
    cap = OutputCapture(tmp_path / "o.log").start()
    log.warning("no handler anywhere")  # Python's last resort prints it; we copy it once
    h = logging.StreamHandler(sys.stderr)
    log.addHandler(h)
    try:
        log.error("printed by a handler")
    finally:
        log.removeHandler(h)
    other = io.StringIO()
    h2 = logging.StreamHandler(other)
    log.addHandler(h2)
    try:
        log.error("to a stream we do not capture")
    finally:
        log.removeHandler(h2)
    cap.stop()
    assert logging.root.handlers == root_handlers


def test_flush_makes_complete_lines_visible(tmp_path, consoles):
    consoles()
    cap = OutputCapture(tmp_path / "o.log").start()
    print("line one")
    sys.stdout.write("partial")
    cap.flush()
    assert lines(tmp_path / "o.log") == ["line one"]
    cap.stop()
    assert lines(tmp_path / "o.log") == ["line one", "partial"]


def test_threads_write_whole_lines(tmp_path, consoles):
    consoles()
    cap = OutputCapture(tmp_path / "o.log").start()

    def work(i):
        for j in range(500):
            print(f"thread {i} line {j}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    cap.stop()
    got = lines(tmp_path / "o.log")
    assert sorted(got) == sorted(f"thread {i} line {j}" for i in range(6) for j in range(500))


def test_long_line_without_newline_is_bounded(tmp_path, consoles):
    consoles()
    cap = OutputCapture(tmp_path / "o.log", max_line=1000).start()
    for _ in range(300):
        sys.stdout.write("x" * 100)
    assert cap._plen["stdout"] <= 1100
    cap.stop()
    assert "".join(lines(tmp_path / "o.log")) == "x" * 30000


@pytest.mark.parametrize("kind", ["patched", "wrapped"])
def test_20mb_of_output_is_fast_and_memory_flat(tmp_path, monkeypatch, kind):
    stream = Discard() if kind == "patched" else SlotDiscard()
    monkeypatch.setattr(sys, "stdout", stream)
    line = "step 123456 loss 0.123456789 accuracy 0.987654321 lr 0.001 ................\n"
    n = 20 * 2**20 // len(line)
    write = lambda: [sys.stdout.write(line) for _ in range(n)]  # noqa: E731

    t0 = time.perf_counter()
    write()
    base = time.perf_counter() - t0
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    cap = OutputCapture(tmp_path / "o.log").start()
    t0 = time.perf_counter()
    write()
    took = time.perf_counter() - t0
    rss1 = proc.memory_info().rss
    cap.stop()
    assert (tmp_path / "o.log").stat().st_size == n * len(line)
    assert rss1 - rss0 < 8 * 2**20, (rss1 - rss0) / 2**20
    # a few microseconds per write on top of the stream itself; generous for a shared box
    assert took < 5 * base + 1.0, (base, took)
    assert took / n < 20e-6, took / n


def test_unwritable_file_stops_copying_without_breaking_output(tmp_path, consoles):
    out, _ = consoles()
    cap = OutputCapture(tmp_path / "o.log").start()
    cap._file.close()  # as if the disk went away
    print("still shown")
    assert out.getvalue() == "still shown\n" and cap.error is not None
    cap.stop()
    assert sys.stdout is out and "write" not in vars(out)


@pytest.mark.parametrize("first_stops_first", [True, False])
def test_two_captures_nest_and_unwind_in_any_order(tmp_path, consoles, first_stops_first):
    out, _ = consoles()
    a = OutputCapture(tmp_path / "a.log").start()
    print("one")
    b = OutputCapture(tmp_path / "b.log").start()
    print("two")
    (a if first_stops_first else b).stop()
    print("three")
    (b if first_stops_first else a).stop()
    print("four")
    assert "write" not in vars(out)  # nothing left behind in either order
    assert out.getvalue() == "one\ntwo\nthree\nfour\n"
    assert lines(tmp_path / "a.log") == (["one", "two"] if first_stops_first else ["one", "two", "three"])
    assert lines(tmp_path / "b.log") == (["two", "three"] if first_stops_first else ["two"])


@pytest.mark.parametrize("capture_stops_first", [True, False])
def test_sweep_thread_routing_under_a_run_capture_one_stand_in(tmp_path, consoles, capture_stops_first):
    """The sweep widget's thread router and a trial's OutputCapture layered as in a sweep
    (router first, the trial's capture on top): a trial thread's prints reach both the
    widget and output.log, the main thread's reach the cell and output.log, and the
    streams come back exactly, whichever layer goes first. Both stand-ins are `StreamProxy`."""
    ipywidgets = pytest.importorskip("ipywidgets")
    from py_tracker.notebook.sweep.output import ThreadOutput
    from py_tracker.output import StreamProxy
    out, err = consoles()
    router = ThreadOutput(ipywidgets.Output()).install()
    assert isinstance(sys.stdout, StreamProxy) and isinstance(sys.stderr, StreamProxy)
    cap = OutputCapture(tmp_path / "o.log").start()

    def trial():
        router.threads.add(threading.get_ident())
        print("from the trial")
        sys.stderr.writelines(["warn 1\n", "warn 2\n"])
    t = threading.Thread(target=trial)
    t.start()
    t.join()
    print("from the cell")
    router.flush()
    first, second = (cap.stop, router.uninstall) if capture_stops_first else (router.uninstall, cap.stop)
    first()
    second()
    assert sys.stdout is out and sys.stderr is err
    assert "from the trial\n" in router.text and "warn 1\nwarn 2\n" in router.text
    assert "from the cell" not in router.text
    assert out.getvalue() == "from the cell\n" and err.getvalue() == ""
    assert sorted(lines(tmp_path / "o.log")) == ["from the cell", "from the trial", "warn 1", "warn 2"]
    print("after")  # nothing routes or copies any more
    assert out.getvalue().endswith("after\n") and "after" not in router.text


def test_runs_as_a_plain_process_after_a_module_that_used_the_ipython_shell():
    """Regression (order dependence): a module using the real IPython test shell
    (tests/notebook/test_magics.py) used to leave it current for the rest of the process,
    so OutputCapture here wrapped sys.stdout instead of patching it and these tests failed
    when run after it. Both run in one fresh pytest process, in that order."""
    import subprocess
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/notebook/test_magics.py",
         "tests/test_output.py", "-k", "not after_a_module_that_used_the_ipython_shell"],
        cwd=root, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout and "failed" not in proc.stdout
