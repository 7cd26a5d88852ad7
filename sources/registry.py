"""Source systems by name. Adding one: a folder under sources/ exposing SYSTEM, and a line below."""

from __future__ import annotations

from pydantic import BaseModel

from sources.base import SourceSystem
from sources.locations import DumpSource


def _systems() -> dict[str, SourceSystem]:
    from sources.cliniko import SYSTEM as CLINIKO
    from sources.cloudappts import SYSTEM as CLOUDAPPTS
    from sources.comsense import SYSTEM as COMSENSE
    from sources.coreplus import SYSTEM as COREPLUS
    from sources.freehand import SYSTEM as FREEHAND
    from sources.frontdesk import SYSTEM as FRONTDESK
    from sources.gensolve import SYSTEM as GENSOLVE
    from sources.gumnut import SYSTEM as GUMNUT
    from sources.houston import SYSTEM as HOUSTON
    from sources.medtech import SYSTEM as MEDTECH
    from sources.mypractice import SYSTEM as MYPRACTICE
    from sources.peak import SYSTEM as PEAK
    from sources.ppmp import SYSTEM as PPMP
    from sources.pracsuite import SYSTEM as PRACSUITE
    from sources.profile import SYSTEM as PROFILE
    from sources.template import SYSTEM as TEMPLATE
    from sources.tm3 import SYSTEM as TM3
    from sources.wintaps import SYSTEM as WINTAPS

    return {
        s.name: s
        for s in (
            CLINIKO,
            CLOUDAPPTS,
            COMSENSE,
            COREPLUS,
            FREEHAND,
            FRONTDESK,
            GENSOLVE,
            GUMNUT,
            HOUSTON,
            MEDTECH,
            MYPRACTICE,
            PEAK,
            PPMP,
            PRACSUITE,
            PROFILE,
            TEMPLATE,
            TM3,
            WINTAPS,
        )
    }


def system_names() -> list[str]:
    return sorted(_systems())


def get_system(name: str) -> SourceSystem:
    """The registered system called `name`; an unknown name lists the valid ones."""
    systems = _systems()
    if name not in systems:
        raise KeyError(f"unknown source system {name!r}; valid: {', '.join(sorted(systems))}")
    return systems[name]


def all_systems() -> list[SourceSystem]:
    return [_systems()[n] for n in system_names()]


def location_models(name: str) -> tuple[type[BaseModel], ...]:
    """The models a customer's `source.<run kind>` block may take for system `name`, in the order they are
    tried: the system's own, or a dump folder when it declares none."""
    return get_system(name).location_models or (DumpSource,)
