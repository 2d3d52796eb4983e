"""Time ``Tagger.tag_many`` on the dev passages, with (``1``) or without (``0``) the PROTOTYPE learned
components, in a fresh process (best of 3 after one warm-up run), in ms per passage:

    for x in 0 1 0 1; do PYTHONPATH=$PWD python eval/time_learned_trigger.py $x; done
"""
from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor_pipeline.core.tagging.tagger import Tagger  # noqa: E402
from monitor_pipeline.core.text.clean import clean_text  # noqa: E402
from monitor_pipeline.evaluation.gold_format import load_gold  # noqa: E402

if __name__ == "__main__":
    cleaned = [clean_text(gp.text) for gp in load_gold(ROOT / "eval" / "gold_dev.yaml")]
    tagger = Tagger(learned=sys.argv[1:2] == ["1"])
    tagger.tag_many(cleaned)
    best = float("inf")
    for _ in range(3):
        gc.collect()
        t0 = time.perf_counter()
        tagger.tag_many(cleaned)
        best = min(best, time.perf_counter() - t0)
    print(f"learned={sys.argv[1:2] == ['1']} ms per article {best / len(cleaned) * 1000:.3f}")
