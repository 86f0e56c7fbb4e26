"""A task set and a shaped reward where a 135M model can learn something within CPU minutes.

``rftgym/FileLocalizationLite-v0`` is FileLocalization cut to what a tiny model can use: two tools
(``find_files`` and ``submit``), a three-sentence system prompt, a 2-turn budget (look, submit), and the
single-file tasks only (``easy_tasks``). Its grader, ``ShapedLocalization``, pays steps towards the
real goal, because the base SmolLM2-135M almost never writes a parseable tool call: with plain
file-set F1 every rollout of a GRPO group scores 0, the group's advantage is 0, and there is no
gradient at all. The shaped reward (in [0, 1]):

- ``0.2`` when at least one tool call ran without error (the model wrote a well-formed call),
- ``0.3`` when it submitted (the episode ended the way the task asks),
- ``0.5 * F1`` of the submitted files against the gold file (the real task).

Below all of these, ``format_reward`` (a TRL reward function on the completion text, added to the
env's reward) pays ``0.1`` for writing a ``<tool_call>`` tag at all: the base model never writes a
call TRL can parse (0 of 12 samples in a probe), but with the user's "Reply with a <tool_call>
only." it writes the tag in some (19-25% of held-out rollouts at temperature 1 in
``benchmarks/bench_train_lite.py``), so groups can differ from the first step.

Between the tag and a call that runs, ``format_reward`` adds ``0.2`` (``JSON_WEIGHT``) when the text
inside a tag is a JSON object whose ``name`` is a tool of the env and whose ``arguments`` is an object
(``has_json_call``; ``json_call_reward`` is that rung alone): a trained model that wrote tags but
broken JSON (copying the template's ``<function-name>`` placeholders, ``results/train_lite.json``)
got no signal towards a well-formed call. The rungs: tag 0.1 < JSON call 0.3 < a call that runs 0.5
< a submission 0.8 < the right file 1.3.

So a rollout that calls a tool well already differs from one that does not, and the full reward
needs the right file. The grade's components keep the parts apart (``called``, ``submitted``,
``f1``), so a report can tell learning the format from learning the task.

``ci95(values) -> (mean, low, high)``: a t-interval over episodes (``low == high == mean`` for
fewer than two values).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from rftgym.env import EnvSpec
from rftgym.graders import Grade, Grader
from rftgym.graders.f1 import file_set_f1
from rftgym.tools.submit import submit_files

LITE_PROMPT = """Find the file that must change. First look for it, e.g.
<tool_call>
{"name": "find_files", "arguments": {"pattern": "*tables*"}}
</tool_call>
then submit the path you found, e.g.
<tool_call>
{"name": "submit", "arguments": {"files": ["pkg/markup/tables.py"]}}
</tool_call>"""

WEIGHTS = {"called": 0.2, "submitted": 0.3, "f1": 0.5}
TAG_WEIGHT = 0.1  # format_reward: the first rung, a <tool_call> tag
JSON_WEIGHT = 0.2  # format_reward: the second rung, a JSON call of a known tool (it may still fail to run)
LITE_TOOLS = ("find_files", "submit")


class ShapedLocalization(Grader):
    """Shaped localization reward: see the module docstring. Deterministic (replays exactly)."""

    name = "shaped_localization"

    def grade(self, task: Any, trajectory: Any, workspace: Any) -> Grade:
        called = any(t.calls > t.errors for t in trajectory.turns)
        submission = trajectory.submission
        f1, _ = file_set_f1((submission or {}).get("files"), task.gold_files)
        parts = {"called": float(called), "submitted": float(submission is not None), "f1": float(f1)}
        return Grade(sum(WEIGHTS[k] * v for k, v in parts.items()), parts)


LITE = EnvSpec(
    name="FileLocalizationLite",
    description="FileLocalization for tiny models: find_files + submit, a short prompt, 3 turns, shaped reward.",
    task_kind="localization",
    tools=["find_files"],
    submit=submit_files,
    grader=ShapedLocalization,
    system_prompt=LITE_PROMPT,
    user_template="{prompt}\n\nReply with a <tool_call> only.",
    max_turns=2,
    max_tool_calls=6,
)
LITE_ID = LITE.env_id


def register_lite() -> str:
    """Register ``rftgym/FileLocalizationLite-v0`` (idempotent); returns its id."""
    from rftgym.envs import register

    register(LITE)
    return LITE_ID


def stem_is_named(prompt: str, gold_file: str) -> bool:
    """Whether the gold file's name stem (``tables`` of ``pkg/markup/tables.py``) is a word of the
    report, up to a plural ``s``: a task whose search pattern can be copied from the report."""
    stem = gold_file.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
    words = {w.rstrip("s") for w in re.findall(r"[a-z0-9_]+", prompt.lower())}
    return stem.rstrip("s") in words


def easy_tasks(split: str, n: int | None = None, max_prompt_chars: int = 400,
               named: bool = False) -> list[dict[str, Any]]:
    """The first ``n`` FileLocalization tasks of ``split`` with one gold file and a prompt of at most
    ``max_prompt_chars`` characters (short prompts: prompt tokens are most of a CPU turn), as task
    dicts ``gymnasium.make(..., tasks=...)`` takes. Fewer than ``n`` when the split has fewer.
    ``named``: only tasks whose gold file's stem is a word of the report (``stem_is_named``: 40 of
    the 129 easy train tasks, 27 of the 61 easy test tasks), where the skill to learn is copying a
    word of the report into the search and a path of the search into the submission."""
    import gymnasium as gym

    import rftgym.envs  # noqa: F401  (registers the built-in envs)

    env = gym.make("rftgym/FileLocalization-v0", split=split).unwrapped
    try:
        chosen = [t for t in env.tasks if len(t.gold_files) == 1 and len(t.prompt) <= max_prompt_chars
                  and (not named or stem_is_named(t.prompt, t.gold_files[0]))]
    finally:
        env.close()
    rows = []
    for t in chosen[:n]:
        rows.append({"id": t.id, "repo": t.repo, "commit": t.commit, "prompt": t.prompt,
                     "gold_files": list(t.gold_files), "split": split})
    return rows


def ci95(values: list[float]) -> tuple[float, float, float]:
    """``(mean, low, high)``: the mean with a 95% t-interval (the 30-value quantile past 30: slightly wide)."""
    n = len(values)
    if n == 0:
        return (float("nan"),) * 3
    mean = sum(values) / n
    if n < 2:
        return mean, mean, mean
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    t = {2: 12.71, 3: 4.30, 4: 3.18, 5: 2.78, 6: 2.57, 7: 2.45, 8: 2.36, 9: 2.31, 10: 2.26, 12: 2.20, 16: 2.13,
         20: 2.09, 24: 2.07, 30: 2.05}
    q = t[max(k for k in t if k <= n)]  # the next smaller table row: a little wider, never narrower
    half = q * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def _assistant(completion: Any) -> tuple[str, list[dict[str, Any]]]:
    """``(text, parsed calls)`` of a TRL completion: a string (no parsed calls), or a list of messages
    (the assistant messages' content joined, and the ``tool_calls`` TRL parsed out of them)."""
    if isinstance(completion, str):
        return completion, []
    parts, calls = [], []
    for m in completion or []:
        if isinstance(m, dict) and m.get("role") == "assistant":
            parts.append(str(m.get("content") or ""))
            calls.extend(c for c in (m.get("tool_calls") or []) if isinstance(c, dict))
    return "\n".join(parts), calls


def _text(completion: Any) -> str:
    """The assistant text of a TRL completion, with ``<tool_call>`` added when TRL parsed a call out of it."""
    text, calls = _assistant(completion)
    return text + "\n<tool_call>" if calls else text


_TAG_BODY = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)


def is_json_call(body: str, tool_names: Any) -> bool:
    """Whether ``body`` (the text inside a ``<tool_call>`` tag) is a JSON object whose ``name`` is one of
    ``tool_names`` and whose ``arguments`` is an object. Never raises (any text in, a bool out)."""
    try:
        call = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(call, dict) and call.get("name") in set(tool_names) and isinstance(call.get("arguments"), dict)


def has_json_call(completion: Any, tool_names: Any = LITE_TOOLS) -> bool:
    """Whether a completion holds a well-formed call of a known tool: one TRL parsed (a ``tool_calls``
    entry naming a known tool, arguments a dict), or a ``<tool_call>`` tag whose body ``is_json_call``
    (also an unclosed last tag, as a completion cut at the token limit leaves it)."""
    text, calls = _assistant(completion)
    for c in calls:
        fn = c.get("function") if isinstance(c.get("function"), dict) else c
        if fn.get("name") in set(tool_names) and isinstance(fn.get("arguments"), (dict, str)):
            return True
    return any(is_json_call(body, tool_names) for body in _TAG_BODY.findall(text))


def json_call_reward(completions: list[Any], tool_names: Any = LITE_TOOLS, **_: Any) -> list[float]:
    """``JSON_WEIGHT`` for each completion that ``has_json_call``, else 0 (the rung between a tag and a call
    that runs)."""
    return [JSON_WEIGHT if has_json_call(c, tool_names) else 0.0 for c in completions]


def format_reward(completions: list[Any], environment: list[str] | None = None, tool_names: Any = LITE_TOOLS,
                  **_: Any) -> list[float]:
    """TRL reward function, per completion: ``TAG_WEIGHT`` when it wrote a ``<tool_call>`` tag (or a call TRL
    parsed), plus ``JSON_WEIGHT`` when it ``has_json_call`` (a JSON call of one of ``tool_names``), else 0.
    Appends ``(split, 0|1)`` to ``format_reward.seen`` (tag) and ``format_reward.json_calls`` (JSON call),
    and ``(split, the text's first 300 characters)`` to ``format_reward.texts``, for reports."""
    out = []
    for i, c in enumerate(completions):
        text = _text(c)
        tag = "<tool_call>" in text
        split = (environment or [None] * len(completions))[i]
        format_reward.seen.append((split, int(tag)))
        format_reward.texts.append((split, text[:300]))
        json_call = has_json_call(c, tool_names)
        format_reward.json_calls.append((split, int(json_call)))
        out.append((TAG_WEIGHT if tag else 0.0) + (JSON_WEIGHT if json_call else 0.0))
    return out


format_reward.seen = []  # type: ignore[attr-defined]
format_reward.texts = []  # type: ignore[attr-defined]
format_reward.json_calls = []  # type: ignore[attr-defined]


class LiteTeacher:
    """Demonstrations for FileLocalizationLite, played from the gold of the tasks it is given (train
    tasks only: held-out gold must never reach SFT data): ``find_files`` on the gold file's name stem
    (``*tables*``), then ``submit`` of the gold file the search listed. Its episodes score 1.0, and
    ``rftgym export --format sft`` turns them into the ``--sft`` rows of ``benchmarks/bench_train_sft.py``.
    A ``rftgym.policies.Policy`` (built on first use so that importing this module stays light)."""

    def __new__(cls, tasks: list[dict[str, Any]]):
        from rftgym.policies import Policy

        class _Teacher(Policy):
            spec = "lite-teacher"

            def __init__(self, gold: dict[str, list[str]], task_id: str | None = None) -> None:
                self.gold, self.task_id = gold, task_id

            def bind(self, task_id: str, sample: int) -> Policy:
                return _Teacher(self.gold, task_id)

            def act(self, conversation, tools, rng):
                gold = self.gold[self.task_id][0]
                stem = gold.rsplit("/", 1)[-1].removesuffix(".py")
                if not any(m.get("role") == "assistant" for m in conversation):
                    call = ("find_files", {"pattern": f"*{stem}*"})
                else:
                    call = ("submit", {"files": [gold]})
                return {"role": "assistant", "content": "", "tool_calls": [
                    {"id": f"call_{len(conversation)}", "type": "function",
                     "function": {"name": call[0], "arguments": json.dumps(call[1])}}]}

        return _Teacher({t["id"]: list(t["gold_files"]) for t in tasks})
