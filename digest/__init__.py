"""digest: turn a pile of overlapping news articles into a briefing website."""

__version__ = "0.1.0"
