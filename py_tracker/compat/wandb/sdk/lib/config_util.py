"""`wandb.sdk.lib.config_util.ConfigError` (transformers catches it around config writes)."""
from ...errors import UsageError


class ConfigError(UsageError):
    """A config value was refused."""


__all__ = ["ConfigError"]
