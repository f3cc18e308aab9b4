"""How every store keys its shoppers (pure): registered ones by id, guests by a keyed hash.

A guest's key is ``guest:<guest_key(email)>`` of the stripped, lowercased e-mail (the keyed hash is
the state store's pseudonymiser, passed in as `GuestKey`), or ``guest:order-<id>`` when the guest
left no e-mail: an address never becomes a key.
"""

from __future__ import annotations

from collections.abc import Callable

from transforms.canonical import ExternalRef

GuestKey = Callable[[str], str]


def shopper_ref(
    system: str,
    customer_id: int,
    email: str | None,
    order_id: int | None = None,
    *,
    guest_key: GuestKey | None = None,
) -> ExternalRef:
    """The canonical ref of a store's shopper (see the module docstring).

    Raises:
        ValueError: a guest with an e-mail and no `guest_key` (an address never becomes a key).
    """
    if customer_id:
        key = str(customer_id)
    elif email and email.strip():
        if guest_key is None:
            raise ValueError("customer.ref: a guest is keyed by a hash of its e-mail: no key given")
        key = f"guest:{guest_key(email.strip().lower())}"
    else:
        key = f"guest:order-{order_id}"
    return ExternalRef(system=system, entity="customer", id=key)
