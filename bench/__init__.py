"""The benchmark suite of issues 5 and 11: kokdsl against hand-written Python
(straight-line and table-driven), a hand-written script doing the whole
rerun, and OPA Rego (regopy), measured side by side in the same run.

    python -m bench            # everything, the table of medians and ratios
    python -m bench --quick    # a fast smoke run
    python -m bench --json FILE
    python -m bench --only lint,rulebooks   # a choice of parts

Benchmarks are not tests: nothing here asserts a time. The agreement tests in
tests/test_bench_agreement.py check that the baselines do the same work.
"""
