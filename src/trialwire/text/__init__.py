"""Text stage: bytes to a clean Document with metadata, kind, language and credibility."""
from .decode import Unreadable
from .document import Document, prepare, sha256, text_id

__all__ = ["Document", "prepare", "Unreadable", "sha256", "text_id"]
