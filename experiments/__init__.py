"""Resumable experiments that check the papers' claims at CPU scale on GLUE (docs/results.md).

``plan.py`` names the model configurations, the presets and the units of work; ``units.py`` runs
one unit (tokenizer, MLM pretraining, measurements, fine-tuning); ``run.py`` is the driver that
skips the units already done; ``summarise.py`` turns the result files into the tables and figures.
"""
