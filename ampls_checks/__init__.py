"""ampls-checks: find Azure Monitor Private Link misconfigurations in infrastructure as code.

The package is a one-way pipeline (discover, parse, link, check, report). Importing it must stay
cheap: parsers and their third-party libraries are imported only when a file needs them, so
`ampls-checks --version` and the Checkov pack never load the HCL parser.
"""

__version__ = "0.1.0"

# Files larger than this are reported, not read (`--max-file-size`). Here, not in scan.py, because
# the pre-commit helper (parsed_files.py) needs it before the scan is imported.
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
