"""Benchmarks behind `make bench`; results in bench/results.json."""
