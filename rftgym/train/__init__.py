"""``rftgym train``: agent RFT on open models with TRL's GRPOTrainer.

- ``spec``: the hosted agent-RFT job body (``method.type = "reinforcement"``), parsed and checked;
- ``source``: an env id or a job spec turned into the train and validation envs' arguments;
- ``trainer``: the run itself (GRPOTrainer + rftgym envs, LoRA, metrics.jsonl, checkpoints, resume).
"""
