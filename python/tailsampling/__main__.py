"""``python -m tailsampling``: the ``tailsampling`` command line (``demo``, ``check``,
``replay``, ``gen``, ``version``, ``help``), running the same Rust code as the binary and
writing to this process's standard output and error."""

import signal
import sys

from tailsampling._tailsampling import _run_cli


def main() -> int:
    """Runs the command in ``sys.argv[1:]`` and returns its exit code."""
    sys.stdout.flush()
    sys.stderr.flush()
    # The command runs in Rust without the GIL: let Ctrl-C end it as it ends the binary.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    return _run_cli(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
