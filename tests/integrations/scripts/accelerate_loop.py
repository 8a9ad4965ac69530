"""An accelerate training loop with Accelerator(log_with="wandb") (tiny torch model, CPU)."""
import torch
from accelerate import Accelerator

torch.manual_seed(0)
accelerator = Accelerator(log_with="wandb", cpu=True)
accelerator.init_trackers("accel-proj", config={"lr": 0.05, "epochs": 3, "hidden": 8},
                          init_kwargs={"wandb": {"name": "accel-tiny", "tags": ["accelerate"]}})
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
x, y = torch.randn(64, 4), torch.randn(64, 1)
data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16)
model, opt, data = accelerator.prepare(model, opt, data)
step = 0
for epoch in range(3):
    for xb, yb in data:
        loss = torch.nn.functional.mse_loss(model(xb), yb)
        accelerator.backward(loss)
        opt.step()
        opt.zero_grad()
        accelerator.log({"train_loss": loss.item(), "epoch": epoch}, step=step)
        step += 1
tracker = accelerator.get_tracker("wandb", unwrap=True)
print("RUN", tracker.id)
accelerator.end_training()
