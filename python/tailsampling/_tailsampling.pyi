"""The extension module (PyO3). Its public API is typed in ``tailsampling/__init__.pyi``,
which ``tailsampling`` re-exports; this stub adds only the private entry point."""

from tailsampling import Busy as Busy
from tailsampling import ConfigError as ConfigError
from tailsampling import DecodeError as DecodeError
from tailsampling import Delivery as Delivery
from tailsampling import Error as Error
from tailsampling import Finding as Finding
from tailsampling import InvalidArgument as InvalidArgument
from tailsampling import Panic as Panic
from tailsampling import Poisoned as Poisoned
from tailsampling import Processor as Processor
from tailsampling import Report as Report
from tailsampling import Status as Status
from tailsampling import TokenMismatch as TokenMismatch
from tailsampling import TooLarge as TooLarge
from tailsampling import Unsupported as Unsupported
from tailsampling import __version__ as __version__
from tailsampling import decode_packet as decode_packet
from tailsampling import decode_points as decode_points
from tailsampling import pack as pack
from tailsampling import peek_packet as peek_packet
from tailsampling import validate_config as validate_config

__all__ = [
    "__version__",
    "Status",
    "Error",
    "Busy",
    "InvalidArgument",
    "DecodeError",
    "ConfigError",
    "TooLarge",
    "Unsupported",
    "TokenMismatch",
    "Panic",
    "Poisoned",
    "Processor",
    "Delivery",
    "Report",
    "Finding",
    "validate_config",
    "pack",
    "decode_points",
    "decode_packet",
    "peek_packet",
    "_run_cli",
]

def _run_cli(args: list[str]) -> int:
    """Runs the ``tailsampling`` command line with ``args`` (without the program name) on the
    process's standard streams, with the GIL released; returns the exit code. Used by
    ``python -m tailsampling``.
    """
