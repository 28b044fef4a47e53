"""The public surface: exactly the names in ``__all__``, one error tree."""

from __future__ import annotations

import reelforge
from reelforge import errors


def test_all_names_exist() -> None:
    for name in reelforge.__all__:
        assert hasattr(reelforge, name), name


def test_public_names_are_spelled_out() -> None:
    public = {n for n in dir(reelforge) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(reelforge, n)).__name__ == "module"}
    lazy = set(reelforge._LAZY)
    assert public - modules == set(reelforge.__all__) - {"__version__"} - lazy


def test_one_error_tree() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.ReelforgeError)
    assert errors.InvalidRequest({"prompt": "empty"}).exit_code == 2
    assert errors.Cancelled().exit_code == 130
    assert errors.RateLimited(retry_after=3).to_dict()["retry_after"] == 3


def test_a_request_refuses_infinite_and_nan_numbers() -> None:
    import pytest
    from pydantic import ValidationError

    for value in (float("inf"), float("nan")):
        with pytest.raises(ValidationError):
            reelforge.VideoRequest(prompt="x", duration_s=value)
