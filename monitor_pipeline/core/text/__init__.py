"""From page bytes to clean article text: decoding, extraction, cleaning, language, near-duplicate signatures, worker processes."""
