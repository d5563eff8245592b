"""Insights: how the whole Hub grew and who dominates it, counted over the local catalog."""

from lib.ui import insights_view
from lib.ui.router import require_router

require_router()

insights_view.render()
