"""Sizes of the book face's original files, to compare subsets with."""

from edition.resources import FONT_FILES, font_dir


def font_sizes() -> dict[str, int]:
    return {name: (font_dir() / name).stat().st_size for name in FONT_FILES.values()}
