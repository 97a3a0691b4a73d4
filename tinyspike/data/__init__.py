"""Data: GLUE tasks (local TSV or the hub), the generated toy-GLUE suite, the tokenizer, the metrics."""
from .glue import GLUE_TASKS, GlueSplit, load_glue
from .metrics import accuracy, f1_binary, matthews_corrcoef, pearson, spearman, task_metrics
from .toy import TOY_TASKS, make_toy_task

__all__ = ["GLUE_TASKS", "GlueSplit", "load_glue", "accuracy", "f1_binary", "matthews_corrcoef", "pearson",
           "spearman", "task_metrics", "TOY_TASKS", "make_toy_task"]
