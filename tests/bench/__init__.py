"""Every benchmark in benchmarks/ run once at a small size, so none of them rots."""
