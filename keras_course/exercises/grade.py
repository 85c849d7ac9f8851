"""Grade many submissions of one exercise: each in its own process, with a time and a memory limit.

The child process loads the checker and the reference (and Keras, when the exercise needs it),
says it is ready, then limits itself with ``resource.setrlimit`` (address space: what it uses
plus ``memory`` MB; CPU time: what it used plus the time limit) and checks the submission,
reporting each case as a JSON line on a private pipe as it finishes. The parent kills the
child's process group when ``timeout`` seconds pass after it was ready. A submission that
crashes the interpreter or loops forever therefore costs one row, not the whole grading.

This isolates crashes and runaway loops, not malicious code: a submission runs with the
grader's user, files and network.
"""

import csv
import html
import importlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

MARK = "@@keras-course-grade@@ "
CHILD = "from keras_course.exercises.grade import child_main; child_main()"


# ------------------------------------------------------------------------------ the child
def child_main(argv=None):
    name, path, timeout, memory = (argv or sys.argv[1:])[:4]
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # what the submission prints goes to stderr, not into the report pipe

    def emit(**event):
        channel.write(MARK + json.dumps(event) + "\n")

    import resource

    from keras_course.exercises import checker

    exercise = checker.get_exercise(name)
    for case in exercise.cases:  # import the library (and Keras) before the clock starts
        checker.expected_output(exercise, case.kwargs)
    importlib.import_module("hypothesis")  # the random cases need it: load it before the clock starts

    cpu = resource.getrusage(resource.RUSAGE_SELF)
    used = cpu.ru_utime + cpu.ru_stime
    limit = int(used + float(timeout) + 2)
    resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
    if int(memory) > 0:
        size = _address_space() + int(memory) * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    emit(event="ready")
    try:
        impl = checker.load_submission(path, exercise)
    except checker.SubmissionError as error:
        emit(event="error", message=str(error))
        return
    report = checker.check(
        exercise,
        impl,
        on_start=lambda case: emit(event="start", case=case),
        on_result=lambda r: emit(event="result", case=r.name, status=r.status, detail=r.detail, slips=list(r.slips)),
    )
    emit(event="done", passed=report.passed)


def _address_space():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


# ------------------------------------------------------------------------------ the parent
@dataclass
class Row:
    submission: str
    outcome: str  # "pass", "fail", "error", "crash", "timeout"
    cases: dict = field(default_factory=dict)  # case name -> status
    details: dict = field(default_factory=dict)
    slips: list = field(default_factory=list)  # the known slips its failures match
    message: str = ""
    seconds: float = 0.0

    @property
    def passed(self):
        return sum(status == "pass" for status in self.cases.values())


def grade_one(name, path, case_names, timeout=60.0, memory=2048, startup=300.0):
    """Check one submission in a child process; returns its ``Row``."""
    row = Row(str(path), "crash", dict.fromkeys(case_names, "not run"))
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="keras-course-grade-") as work, tempfile.TemporaryFile(mode="w+") as errors:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONDONTWRITEBYTECODE": "1"}
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, name, str(Path(path).resolve()), str(timeout), str(memory)],
            stdout=subprocess.PIPE,
            stderr=errors,
            stdin=subprocess.DEVNULL,
            cwd=work,
            env=env,
            text=True,
            start_new_session=True,
        )
        lines = queue.Queue()
        threading.Thread(target=_pump, args=(child.stdout, lines), daemon=True).start()
        deadline, current, finished, killed = start + startup, None, False, False
        while True:
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                os.killpg(child.pid, signal.SIGKILL)
                killed = True
                break
            if line is None:
                break
            if not line.startswith(MARK):
                continue
            event = json.loads(line[len(MARK) :])
            kind = event["event"]
            if kind == "ready":
                deadline = time.monotonic() + timeout
            elif kind == "start":
                current = event["case"]
            elif kind == "result":
                row.cases[event["case"]] = event["status"]
                if event["detail"]:
                    row.details[event["case"]] = event["detail"]
                row.slips += [s.split(":")[0] for s in event["slips"] if s.split(":")[0] not in row.slips]
                current = None
            elif kind == "error":
                row.outcome, row.message, finished = "error", event["message"], True
            elif kind == "done":
                row.outcome, finished = ("pass" if event["passed"] else "fail"), True
        code = child.wait()
        errors.seek(0)
        tail = errors.read()[-2000:].strip()
    row.seconds = round(time.monotonic() - start, 2)
    if finished:
        if row.outcome == "fail" and any(s == "not implemented" for s in row.cases.values()):
            row.message = "not written yet (raises NotImplementedError)"
        return row
    if killed or code == -signal.SIGXCPU:
        row.outcome = "timeout"
        row.message = f"stopped at the time limit of {timeout:g} s" + (f", in case {current!r}" if current else "")
    else:
        how = f"killed by signal {signal.Signals(-code).name}" if code < 0 else f"exited with status {code}"
        row.message = f"the process {how}" + (f" during case {current!r}" if current else " before checking")
        if code == -signal.SIGKILL:
            row.message += " (the CPU limit, or the system ran out of memory)"
        elif "MemoryError" in tail:
            row.message += f" (out of memory: the limit is {memory} MB)"
    if current is not None:
        row.cases[current] = row.outcome
        if tail:
            row.details[current] = tail
    return row


def _pump(stream, lines):
    for line in stream:
        lines.put(line)
    lines.put(None)


def expand(paths):
    """Files, and the ``*.py`` files of folders, in order."""
    out = []
    for p in map(Path, paths):
        out += sorted(q for q in p.iterdir() if q.suffix == ".py" and q.is_file()) if p.is_dir() else [p]
    return out


def grade(name, submissions, report, timeout=60.0, memory=2048, jobs=1, max_examples=25):
    """Grade every submission of exercise ``name``; write ``report/scores.csv`` and
    ``report/index.html``; returns the rows."""
    from keras_course.exercises.checker import case_names, get_exercise

    exercise = get_exercise(name)
    names = case_names(exercise, max_examples)
    files = expand(submissions)
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        rows = list(pool.map(lambda f: grade_one(exercise.name, f, names, timeout, memory), files))
    report = Path(report)
    report.mkdir(parents=True, exist_ok=True)
    write_csv(report / "scores.csv", rows, names)
    (report / "index.html").write_text(render_html(exercise, rows, names, timeout, memory), encoding="utf-8")
    return rows


def write_csv(path, rows, names):
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["submission", "outcome", "score", "passed", "total", *names, "slips", "seconds", "message"])
        for r in rows:
            out.writerow(
                [
                    r.submission,
                    r.outcome,
                    f"{r.passed / len(names):.3f}" if names else "",
                    r.passed,
                    len(names),
                    *(int(r.cases.get(n) == "pass") for n in names),
                    "; ".join(r.slips),
                    r.seconds,
                    r.message,
                ]
            )


_STYLE = """body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:center}
td.pass{background:#dff3df}td.fail,td.error{background:#f8dcdc}td.crash,td.timeout{background:#f3c2a0}
td.not-run,td.not-implemented{background:#eee;color:#666}pre{background:#f6f6f6;padding:.5rem;overflow-x:auto}
th.case{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;max-height:14rem}
.statement{border-left:3px solid #99c;padding-left:1rem}"""


def render_html(exercise, rows, names, timeout, memory):
    from keras_course.book.markdown import render

    e = html.escape
    questions = ", ".join(f"Q{q}" for q in exercise.questions)
    head = "".join(f'<th class="case">{e(n)}</th>' for n in names)
    body = []
    for r in rows:
        cells = "".join(
            f'<td class="{e(r.cases.get(n, "not run").replace(" ", "-"))}" title="{e(r.cases.get(n, ""))}">'
            f"{'✓' if r.cases.get(n) == 'pass' else '✗' if r.cases.get(n) != 'not run' else '–'}</td>"
            for n in names
        )
        body.append(
            f'<tr><th><a href="#{e(Path(r.submission).name)}">{e(Path(r.submission).name)}</a></th>'
            f'<td class="{e(r.outcome)}">{e(r.outcome)}</td><td>{r.passed}/{len(names)}</td>{cells}</tr>'
        )
    details = []
    for r in rows:
        parts = [f"<p>{e(r.message)}</p>"] if r.message else []
        parts += [f"<p>Likely slips: {e('; '.join(r.slips))}</p>"] if r.slips else []
        parts += [f"<h4>{e(case)}</h4><pre>{e(text)}</pre>" for case, text in r.details.items()]
        details.append(
            f'<section id="{e(Path(r.submission).name)}"><h3>{e(r.submission)}: {e(r.outcome)}, '
            f"{r.passed}/{len(names)} ({r.seconds:g} s)</h3>{''.join(parts)}</section>"
        )
    statement = render(f"{exercise.statement}\n\n```python\n{exercise.example}\n```")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Grades: {e(exercise.name)}</title><style>{_STYLE}</style></head><body>
<h1>Exercise <code>{e(exercise.name)}</code> ({questions}): {e(exercise.title)}</h1>
<details><summary>The statement</summary><div class="statement">{statement}</div></details>
<p>{len(rows)} submissions, each checked in its own process: time limit {timeout:g} s, memory limit
{memory} MB beyond the checker's own. Scores are in <a href="scores.csv">scores.csv</a>.
(The limits contain crashes and runaway loops, not malicious code.)</p>
<table><tr><th>submission</th><th>outcome</th><th>score</th>{head}</tr>
{"".join(body)}</table>
{"".join(details)}
</body></html>
"""
