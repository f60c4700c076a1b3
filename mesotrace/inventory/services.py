"""The inventory's writes and reads in one place: stock (lots, movements) and recall campaigns.

The functions live in `stock` and `recalls`; import them from here or from there.
"""

from mesotrace.inventory.recalls import (
    close_campaign,
    contacts_of,
    open_campaign,
    progress,
    record_contact,
)
from mesotrace.inventory.stock import (
    StockRefused,
    adjust,
    draw,
    lot_problem,
    low_stock,
    near_expiry,
    on_hand,
    receive_lot,
    receive_more,
    return_stock,
    set_lot_status,
    usable_lots,
    waste,
)

__all__ = [
    "StockRefused",
    "adjust",
    "close_campaign",
    "contacts_of",
    "draw",
    "lot_problem",
    "low_stock",
    "near_expiry",
    "on_hand",
    "open_campaign",
    "progress",
    "receive_lot",
    "receive_more",
    "record_contact",
    "return_stock",
    "set_lot_status",
    "usable_lots",
    "waste",
]
