"""Evaluation limits every language's evaluator shares, so `--max-eval-steps` means one thing.

A limit reached makes the values being built unknown (and `--verbose` says so); it is never a
finding and never a crash.
"""

# Evaluation steps per Terraform module instance, per ARM template, per Bicep entry file (modules
# included): the default of `--max-eval-steps`.
EVAL_STEPS = 200_000

# Module calls nested deeper than this are not followed (Terraform and Bicep alike): real estates
# nest three or four levels; a longer chain is a cycle written through different paths.
MAX_MODULE_DEPTH = 16
