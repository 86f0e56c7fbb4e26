"""``rftgym train --lora``: GRPO updates LoRA adapters through peft and leaves the base weights as
they were; the final folder holds the adapter, not a full model copy."""

from __future__ import annotations

import json

import pytest

from tests.test_train import _shop_job


def test_lora_run_trains_adapters_only_and_saves_them(shop_tasks, tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("trl")
    pytest.importorskip("peft")
    from tests.test_trl import tiny_model

    from rftgym.train.trainer import TrainConfig, train

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, tok = tiny_model(shop_tasks)
        before = {k: v.detach().clone() for k, v in model.state_dict().items()}
        out = tmp_path / "run"
        summary = train(TrainConfig(target=str(_shop_job(shop_tasks, tmp_path)), out=str(out), max_steps=1,
                                    save_steps=1, max_completion_length=32, eval=False, lora=True, lora_rank=4),
                        model=model, tokenizer=tok)
    finally:
        torch.set_num_threads(threads)
    assert summary["steps"] == 1
    final = out / "final"
    adapter = json.loads((final / "adapter_config.json").read_text())
    assert adapter["r"] == 4 and adapter["peft_type"] == "LORA"
    assert (final / "adapter_model.safetensors").exists() and not (final / "model.safetensors").exists()
    from safetensors.torch import load_file

    weights = load_file(str(final / "adapter_model.safetensors"))
    assert weights and all("lora_" in k for k in weights)
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    for name, value in base.state_dict().items():  # the frozen base: untouched by the step
        key = name.replace("base_layer.", "")
        if "lora_" not in name and key in before:
            assert torch.equal(value, before[key]), name
