"""Sources stage: folders, URL lists, feeds and JSON-lines exports, each yielding RawDocument or SourceFailure."""
from .base import RawDocument, Source, SourceFailure, SourceItem

__all__ = ["RawDocument", "SourceFailure", "SourceItem", "Source"]
