"""trialwire: biomedical news and Q&A articles to reconciled clinical-trial facts."""
import os

__version__ = "0.1.0"

# Arrow's allocator (README, "Arrow's allocator"). pyarrow's default here, mimalloc, kept 50 to 130 MB
# more resident per process than the system allocator for the same Parquet reads and writes, at the same CPU.
# Arrow reads this once, when pyarrow is imported: a value already set wins, a process that imported
# pyarrow before trialwire keeps its allocator, and the processes a run starts inherit it.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
