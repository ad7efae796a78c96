"""The registry of payment providers by name (the sandbox ships; WeChat Pay and Alipay adapters register here)."""
from core.errors import ApiError

_providers = {}


def register(provider):
    """Make `provider` (a billing.providers.base.PaymentProvider) available under its name."""
    _providers[provider.name] = provider


def get(name):
    """The provider called `name` (404 when there is none)."""
    provider = _providers.get(name)
    if provider is None:
        raise ApiError(404, "unknown_provider", f"No payment provider called {name!r}.")
    return provider


def names():
    """The registered providers' names."""
    return sorted(_providers)
