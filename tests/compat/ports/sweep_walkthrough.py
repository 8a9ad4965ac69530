"""Port of W&B's sweep walkthrough (docs "Define, initialize and run a sweep"): a training
function reading wandb.config, a sweep configuration dict, wandb.sweep and wandb.agent."""
import py_tracker as wandb


def objective(config):
    return config.x ** 3 + config.y


def main():
    wandb.init(project="my-first-sweep")
    score = objective(wandb.config)
    wandb.log({"score": score})


# 2: Define the search space
sweep_configuration = {
    "method": "grid",
    "metric": {"goal": "minimize", "name": "score"},
    "parameters": {
        "x": {"values": [0.5, 1.0, 2.0]},
        "y": {"values": [1, 3]},
    },
}

# 3: Start the sweep
sweep_id = wandb.sweep(sweep=sweep_configuration, project="my-first-sweep")

wandb.agent(sweep_id, function=main, count=6)
print("SWEEP", sweep_id)
