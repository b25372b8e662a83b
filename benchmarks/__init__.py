"""Gallery Curator's benchmarks: ``python -m benchmarks`` from the repository root.

See ``benchmarks/README.md`` for what each benchmark measures and the targets it checks.
"""
