"""A filtergraph under construction: inputs (argv pieces), labelled chains, escaping."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Graph:
    inputs: list[list[str]] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)
    _labels: int = 0

    def input(self, *args: str) -> int:
        """Add an input (its options then ``-i path``); return its index."""
        self.inputs.append(list(args))
        return len(self.inputs) - 1

    def label(self, prefix: str = "s") -> str:
        self._labels += 1
        return f"{prefix}{self._labels}"

    def add(self, sources: list[str] | str, chain: str, out: str | None = None) -> str:
        """Append ``[sources]chain[out]``; return the output label."""
        out = out or self.label()
        srcs = [sources] if isinstance(sources, str) else sources
        self.chains.append("".join(f"[{s}]" for s in srcs) + chain + f"[{out}]")
        return out

    def script(self) -> str:
        return ";\n".join(self.chains)

    def input_args(self) -> list[str]:
        return [a for args in self.inputs for a in args]


__all__ = [
    "Graph",
]
