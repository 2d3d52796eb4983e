"""Export every table of the analysts' copy to Parquet, for people who use other tools."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from monitor_pipeline.storage import warehouse


def export_parquet(analytics_file: Path, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    with warehouse.connect_with_retry(str(analytics_file), read_only=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()]
        for table in tables:
            target = out_dir / f"{table}.parquet"
            # COPY cannot bind the file name; table names come from the catalog, the path from our own arg.
            conn.execute(f"COPY (SELECT * FROM \"{table}\") TO '{str(target).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
            written[table] = target
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--analytics", type=Path, default=warehouse.analytics_path())
    parser.add_argument("--out", type=Path, default=warehouse.analytics_path().parent / "parquet")
    args = parser.parse_args(argv)
    if not args.analytics.exists():
        print(f"error: {args.analytics} does not exist; run `make demo` or the pipeline first", file=sys.stderr)
        return 2
    for table, path in export_parquet(args.analytics, args.out).items():
        print(f"{table}\t{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
