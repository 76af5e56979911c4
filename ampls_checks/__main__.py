"""`python -m ampls_checks`: the same command line as the `ampls-checks` script."""

from ampls_checks.cli import entry_point

if __name__ == "__main__":
    entry_point()
