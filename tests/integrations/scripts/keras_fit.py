"""Keras 3 on the torch backend with W&B's keras callbacks (tiny dense model, CPU)."""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")
import keras
import numpy as np

import wandb
from wandb.integration.keras import WandbMetricsLogger, WandbModelCheckpoint

out = sys.argv[1]
keras.utils.set_random_seed(0)
run = wandb.init(project="keras-proj", name="keras-tiny", config={"epochs": 3, "units": 8})
x = np.random.rand(64, 4).astype("float32")
y = (x.sum(axis=1, keepdims=True) > 2).astype("float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
          callbacks=[WandbMetricsLogger(log_freq=2),
                     WandbModelCheckpoint(os.path.join(out, "model.keras"), monitor="val_loss")])
print("RUN", run.id)
wandb.finish()
