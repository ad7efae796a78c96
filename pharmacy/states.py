"""The fulfilment state machine of an order: an explicit transition table (pure, no Flask).

Order states: offered -> accepted -> prepared -> picked_up (pickup) | out_for_delivery -> delivered
(delivery); cancelled and unroutable end a route. `declined` and `expired` are the outcomes of one
pharmacy's offer (see models.Offer): the order itself goes on to the next pharmacy (offered again)
or becomes unroutable. Dispensing (the drugs leave the pharmacy) is picked_up or out_for_delivery.
"""
OFFERED, ACCEPTED, PREPARED = "offered", "accepted", "prepared"
PICKED_UP, OUT_FOR_DELIVERY, DELIVERED = "picked_up", "out_for_delivery", "delivered"
CANCELLED, UNROUTABLE = "cancelled", "unroutable"
ORDER_STATES = (OFFERED, ACCEPTED, PREPARED, PICKED_UP, OUT_FOR_DELIVERY, DELIVERED, CANCELLED, UNROUTABLE)
OFFER_STATES = ("offered", "accepted", "declined", "expired", "withdrawn")

# action -> (states it may start from, state it leads to, modes it applies to)
TRANSITIONS = {
    "accept": ((OFFERED,), ACCEPTED, ("pickup", "delivery")),
    "prepare": ((ACCEPTED,), PREPARED, ("pickup", "delivery")),
    "pick_up": ((PREPARED,), PICKED_UP, ("pickup",)),
    "send_out": ((PREPARED,), OUT_FOR_DELIVERY, ("delivery",)),
    "deliver": ((OUT_FOR_DELIVERY,), DELIVERED, ("delivery",)),
    "cancel": ((OFFERED, ACCEPTED, PREPARED, UNROUTABLE), CANCELLED, ("pickup", "delivery")),
    "retry": ((UNROUTABLE,), OFFERED, ("pickup", "delivery")),  # or unroutable again
}
DISPENSING_ACTIONS = frozenset({"pick_up", "send_out"})
HOLDING_STATES = frozenset({ACCEPTED, PREPARED})  # stock reserved, capacity taken
TERMINAL_STATES = frozenset({PICKED_UP, DELIVERED, CANCELLED})


class IllegalTransition(Exception):
    """The action is not allowed from the order's current state."""


def target(action, mode, current):
    """The state `action` leads to from `current`; raises IllegalTransition when not allowed."""
    sources, to, modes = TRANSITIONS[action]
    if mode not in modes or current not in sources:
        raise IllegalTransition(f"cannot {action.replace('_', ' ')} an order that is {current} ({mode})")
    return to


def already_done(action, mode, current):
    """True when `current` is the state `action` leads to (a repeated request: answer 200, change nothing)."""
    _, to, modes = TRANSITIONS[action]
    return mode in modes and current == to and action != "retry"
