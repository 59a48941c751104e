"""Storage: declared Parquet schemas and the transactional output folder."""
from .dataset import CorruptOutput, RunWriter, Store, StoreLocked
from .schemas import FACT_TABLES, TABLES, TableSpec

__all__ = ["Store", "RunWriter", "StoreLocked", "CorruptOutput", "TABLES", "FACT_TABLES", "TableSpec"]
