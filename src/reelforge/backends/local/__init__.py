"""Pieces of the diffusers backend: model families, model lookup, loading and placement, the pipeline
cache, the executor seam, frame encoding, and tiny random pipelines for tests. No torch at import."""

__all__: list[str] = []
