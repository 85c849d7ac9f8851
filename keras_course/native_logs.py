"""TensorFlow's C++ log lines (absl / TSL): recognise them, and keep them off a terminal.

TensorFlow writes start-up notices ("oneDNN custom operations are on", "All log messages
before absl::InitializeLog() ...") and tf.data graph warnings straight to file descriptor 2,
below Python, and ``TF_CPP_MIN_LOG_LEVEL`` does not stop all of them. The command line and
the book drop exactly these lines; everything else on stderr (Python warnings, tracebacks)
passes through.
"""

import contextlib
import os
import re
import sys
import threading

NATIVE_LOG_LINE = re.compile(
    r"^(?:[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+\s+\S+:\d+\]"  # absl: I0000 00:00:1796322905.46 123 port.cc:153]
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] \S+:\d+\]"  # TSL: 2026-12-03 18:00:00.1: I tensorflow/...
    r"|To enable the following instructions: .* in other operations, rebuild TensorFlow"
    r"|\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption"  # the kernel's own notice
    r"|\[IPKernelApp\] ERROR \| KeyboardInterrupt caught in kernel)"  # jupyter_client interrupts on shutdown
)


def is_native_log_line(line):
    """True for a line TensorFlow's C++ runtime logged."""
    return bool(NATIVE_LOG_LINE.match(line))


def drop_native_logs(text):
    """``text`` without TensorFlow's C++ log lines."""
    return "".join(line for line in text.splitlines(keepends=True) if not is_native_log_line(line))


@contextlib.contextmanager
def filtered_stderr():
    """Inside the block, lines written to fd 2 that TensorFlow's C++ runtime logged are
    dropped; the rest reach the real stderr unchanged."""
    sys.stderr.flush()
    saved = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    target_fd = os.dup(saved)  # the pump's own copy of the real stderr

    def pump():
        with os.fdopen(read_end, "r", errors="replace") as lines, os.fdopen(target_fd, "w") as target:
            for line in lines:
                if not is_native_log_line(line):
                    target.write(line)
                    target.flush()

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # closes the pipe's last write end: the pump sees end of file
        os.close(saved)
        thread.join(timeout=5)
