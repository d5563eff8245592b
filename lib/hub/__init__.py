"""The typed Hub client: `HubClient` over `huggingface_hub.HfApi`."""

from lib.hub.client import Card, HubClient, Reachability

__all__ = ["Card", "HubClient", "Reachability"]
