"""Integrations: rftgym seen from the outside, by trainers and hosted agent-RFT services.

- ``serve``: an environment's tools as HTTP endpoints in the agent-RFT wire format, plus its grader
  (``rftgym serve``).
- ``export``: an environment's tasks as an OpenAI RFT dataset with an equivalent grader, and a run's
  best trajectories as SFT chat data (``rftgym export``).
- ``trl``: an rftgym environment as a multi-turn environment of TRL's ``GRPOTrainer``.

These modules sit on top of everything else: nothing in rftgym imports them, and each imports its
optional dependencies (FastAPI, TRL) only when used.
"""
