"""Lightning Trainer with WandbLogger(log_model=True), save_dir left at its default "." (tiny model, CPU)."""
import torch
import lightning as L
from lightning.pytorch.loggers import WandbLogger

torch.manual_seed(0)


class Tiny(L.LightningModule):
    def __init__(self, hidden: int = 8, lr: float = 0.05):
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


ds = torch.utils.data.TensorDataset(torch.randn(64, 4), torch.randn(64, 1))
train = torch.utils.data.DataLoader(ds, batch_size=8)
val = torch.utils.data.DataLoader(ds, batch_size=32)
logger = WandbLogger(project="lightning-proj", name="lit-tiny", log_model=True)
model = Tiny()
logger.watch(model, log="all", log_freq=2)
logger.log_hyperparams({"batch_size": 8, "note": "tiny"})
trainer = L.Trainer(max_epochs=2, logger=logger, log_every_n_steps=2, accelerator="cpu", devices=1,
                    enable_progress_bar=False, enable_model_summary=False)
trainer.fit(model, train, val)
logger.log_metrics({"custom/after_fit": 1.5}, step=trainer.global_step)
print("RUN", logger.experiment.id)
import wandb

wandb.finish()
