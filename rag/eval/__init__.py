"""Evaluation: question sets (ours and SQuAD), the runner, metrics, reports, and the llama-index baseline."""
