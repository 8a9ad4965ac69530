"""A transformers Trainer with report_to="wandb" on a tiny GPT-2 built from a config (no downloads).

Nothing here mentions py_tracker: `import wandb` inside transformers gets the shim.
WANDB_LOG_MODEL / WANDB_WATCH / WANDB_PROJECT come from the environment, as users set them.
"""
import sys

import torch
from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainingArguments

torch.manual_seed(0)
out = sys.argv[1]
long = len(sys.argv) > 2 and sys.argv[2] == "long"  # 100 steps (WANDB_WATCH logs every 100), no eval/saves
config = GPT2Config(vocab_size=32, n_positions=16, n_embd=16, n_layer=1, n_head=2)
model = GPT2LMHeadModel(config)


class Tokens(torch.utils.data.Dataset):
    """Random token sequences; the model learns to copy them (labels = inputs)."""

    def __init__(self, n: int):
        self.ids = torch.randint(0, 32, (n, 8))

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict:
        return {"input_ids": self.ids[i], "labels": self.ids[i]}


steps = dict(max_steps=100, logging_steps=25, save_strategy="no", eval_strategy="no") if long else \
    dict(max_steps=6, logging_steps=2, save_strategy="steps", save_steps=3, eval_strategy="steps", eval_steps=3)
args = TrainingArguments(output_dir=out, run_name="hf-tiny", report_to="wandb", per_device_train_batch_size=4,
                         use_cpu=True, disable_tqdm=True, learning_rate=1e-3, seed=0, **steps)
trainer = Trainer(model=model, args=args, train_dataset=Tokens(32), eval_dataset=Tokens(8))
trainer.train()
import wandb  # the same module transformers used

print("RUN", wandb.run.id if wandb.run else None, wandb.__name__)
