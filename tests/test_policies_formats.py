"""Text tool-call formats: parsing model text into OpenAI tool calls, and rendering conversations back."""

import json

import gymnasium as gym
import pytest

from rftgym.policies.formats import (FORMATS, HermesFormat, JsonFormat, ToolFormat, assistant_message, feedback,
                                     get_format, render_text_conversation)

TOOLS = [{"type": "function", "function": {"name": "grep", "description": "search",
                                           "parameters": {"type": "object", "properties": {"pattern": {"type": "string"}}}}},
         {"type": "function", "function": {"name": "submit", "description": "finish",
                                           "parameters": {"type": "object", "properties": {"files": {"type": "array"}}}}}]


def names_args(calls):
    return [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls]


def test_hermes_parses_several_calls_and_keeps_prose():
    text = ('Looking for the tax code.\n<tool_call>\n{"name": "grep", "arguments": {"pattern": "TAX"}}\n</tool_call>\n'
            '<tool_call>{"name": "submit", "arguments": "{\\"files\\": [\\"a.py\\"]}"}</tool_call>')
    content, calls, error = HermesFormat().parse(text)
    assert content == "Looking for the tax code."
    assert names_args(calls) == [("grep", {"pattern": "TAX"}), ("submit", {"files": ["a.py"]})]
    assert error is None and all(c["type"] == "function" and c["id"] for c in calls)


def test_hermes_accepts_parameters_fences_and_an_unclosed_last_block():
    content, calls, error = HermesFormat().parse('<tool_call>```json\n{"name": "grep", "parameters": {"pattern": "x"}}\n```'
                                                 '</tool_call><tool_call>{"name": "submit", "arguments": {}}')
    assert names_args(calls) == [("grep", {"pattern": "x"}), ("submit", {})] and error is None and content is None


@pytest.mark.parametrize("block,why", [
    ("<tool_call>{name: grep}</tool_call>", "not valid JSON"),
    ('<tool_call>{"arguments": {}}</tool_call>', 'no "name"'),
    ('<tool_call>{"name": "grep", "arguments": [1]}</tool_call>', "must be a JSON object"),
    ('<tool_call>{"name": "grep", "arguments": "{oops"}</tool_call>', "not JSON"),
    ('<tool_call>{"name": "grep", "argu', "not closed"),
])
def test_hermes_unreadable_blocks_stay_in_content_with_an_error(block, why):
    content, calls, error = HermesFormat().parse('ok <tool_call>{"name": "grep", "arguments": {}}</tool_call> ' + block)
    assert names_args(calls) == [("grep", {})]
    assert why in error and block in content


def test_json_format_reads_objects_arrays_and_ignores_other_json():
    fmt = JsonFormat()
    content, calls, error = fmt.parse('I will search. ```json\n[{"name": "grep", "arguments": {"pattern": "a"}}, '
                                      '{"name": "submit", "arguments": {"files": []}}]\n``` The config is {"debug": true}.')
    assert names_args(calls) == [("grep", {"pattern": "a"}), ("submit", {"files": []})] and error is None
    assert content == 'I will search.  The config is {"debug": true}.'
    assert fmt.parse('{"name": "grep", "arguments": {"pattern": "b"}}')[1][0]["function"]["name"] == "grep"
    assert fmt.parse('{"name": "Bob", "age": 3}')[1] == []  # not a call: other keys
    content, calls, error = fmt.parse('{"name": "grep", "arguments": {"pattern": }}')
    assert calls == [] and "not valid JSON" in error and content.startswith('{"name"')


def test_render_round_trips_through_parse():
    for fmt in (HermesFormat(), JsonFormat()):
        calls = [{"id": "x", "type": "function", "function": {"name": "grep", "arguments": '{"pattern": "T"}'}},
                 {"id": "y", "type": "function", "function": {"name": "submit", "arguments": '{"files": ["a"]}'}}]
        text = fmt.render_assistant({"role": "assistant", "content": "Plan.", "tool_calls": calls})
        content, parsed, error = fmt.parse(text)
        assert content == "Plan." and names_args(parsed) == names_args(calls) and error is None
        assert "grep" in fmt.render_tools(TOOLS) and "submit" in fmt.render_tools(TOOLS)


def test_text_conversation_has_tools_in_system_results_as_user_and_format_notes():
    fmt = get_format("hermes")
    conv = [{"role": "system", "content": "You fix bugs."}, {"role": "user", "content": "VAT twice"},
            {"role": "assistant", "content": "hmm <tool_call>{bad</tool_call>", "tool_calls": [
                {"id": "a", "type": "function", "function": {"name": "grep", "arguments": '{"pattern": "VAT"}'}},
                {"id": "b", "type": "function", "function": {"name": "grep", "arguments": '{"pattern": "tax"}'}}]},
            {"role": "tool", "tool_call_id": "a", "content": "tax.py:1:VAT"},
            {"role": "tool", "tool_call_id": "b", "content": "no matches"},
            {"role": "assistant", "content": "I am done"},
            {"role": "user", "content": "[rftgym] error: no tool calls"}]
    out = render_text_conversation(conv, TOOLS, fmt)
    assert [m["role"] for m in out] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert out[0]["content"].startswith("You fix bugs.") and "<tools>" in out[0]["content"]
    assert out[2]["content"].count("<tool_call>") == 3 and '"pattern": "VAT"' in out[2]["content"]
    assert "<tool_response>\ntax.py:1:VAT\n</tool_response>" in out[3]["content"]
    assert out[3]["content"].index("no matches") < out[3]["content"].index("[tool-call format error]")
    assert out[5]["content"].startswith("[rftgym] error") and "[tool-call format]" in out[5]["content"]
    assert all(isinstance(m["content"], str) for m in out)
    assert feedback(conv, fmt).keys() == {4, 6}


def test_assistant_message_numbers_calls_per_turn_and_plain_text_has_no_calls():
    conv = [{"role": "user", "content": "x"}, {"role": "assistant", "content": "a"}, {"role": "user", "content": "y"}]
    msg = assistant_message('<tool_call>{"name": "grep", "arguments": {}}</tool_call>', HermesFormat(), conv)
    assert msg["tool_calls"][0]["id"] == "call_1_0" and msg["content"] is None
    assert "tool_calls" not in assistant_message("just words", HermesFormat(), conv)


def test_a_new_format_is_one_small_class():
    class Bracket(ToolFormat):
        name, hint = "bracket", "Write [[name]]."

        def render_tools(self, tools):
            return " ".join(t["function"]["name"] for t in tools)

        def parse(self, text):
            import re
            calls = [{"id": f"call_{k}", "type": "function", "function": {"name": n, "arguments": "{}"}}
                     for k, n in enumerate(re.findall(r"\[\[(\w+)\]\]", text))]
            return (re.sub(r"\[\[\w+\]\]", "", text).strip() or None), calls, None

        def render_calls(self, calls):
            return " ".join(f"[[{c['function']['name']}]]" for c in calls)

    FORMATS["bracket"] = Bracket
    try:
        msg = assistant_message("go [[list_dir]]", get_format("bracket"), [])
        assert msg["tool_calls"][0]["function"]["name"] == "list_dir"
    finally:
        del FORMATS["bracket"]
    with pytest.raises(ValueError, match="unknown tool format 'xml'; use one of: hermes, json"):
        get_format("xml")


def test_parsed_calls_run_in_the_env_and_bad_ones_are_observations(shop_tasks):
    env = gym.make("rftgym/FileLocalization-v0", tasks=shop_tasks, split="all").unwrapped
    obs, info = env.reset(seed=0, options={"task_id": "shop-1"})
    msg = assistant_message('<tool_call>{"name": "grep", "arguments": {"pattern": "TAX_RATE"}}</tool_call>'
                            '<tool_call>{"name": "read_file", "arguments": {"path": 3}}</tool_call>',
                            HermesFormat(), obs)
    obs, _, _, _, step = env.step(msg)
    assert step["tool_calls"] == 2 and step["error_codes"] == ["INVALID_ARGS"]
    assert "shop/pricing/tax.py" in obs[-2]["content"]
    env.close()
