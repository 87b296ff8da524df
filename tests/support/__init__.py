"""What the tests (and the benchmarks) run beside the code: a throwaway PostgreSQL server."""
