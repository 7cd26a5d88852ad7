"""The org's own business logic during a load: the headers that bypass it, and the privilege they need.

A practice's org runs its own plug-ins and Power Automate flows on every write — appointment reminders,
welcome e-mails, invitations. A migration must not set them off (DESIGN.md §6: nothing reaches patients), so
every write carries Microsoft's documented bypass headers (powerapps-docs "Bypass custom Dataverse logic" and
"Bypass Power Automate Flows"; emulators/dataverse/README.md):

- ``MSCRM.BypassBusinessLogicExecution: CustomSync,CustomAsync`` — custom synchronous and asynchronous
  plug-ins and workflows; needs ``prvBypassCustomBusinessLogic`` (only System Administrator has it by default);
- ``MSCRM.SuppressCallbackRegistrationExpanderJob: true`` — Power Automate flows; needs no privilege.

A customer can let some of it run for a target environment (YAML ``target.<run>.run_business_logic``: any of
``sync``, ``async``, ``flows``); the pre-flight then warns, and checks the privilege only when a bypass that
needs it is still sent.
"""

from __future__ import annotations

from collections.abc import Iterable

LOGIC_KINDS = ("sync", "async", "flows")
BYPASS_PRIVILEGE = "prvBypassCustomBusinessLogic"
# "These ID values are the same for all Dataverse environments" (Bypass custom Dataverse logic).
BYPASS_PRIVILEGE_ID = "0ea552b0-a491-4470-9a1b-82068deccf66"
GRANT_HINT = (
    f"add {BYPASS_PRIVILEGE} (PrivilegeId {BYPASS_PRIVILEGE_ID}) at Global depth to one of its security roles: "
    "POST roles(<role id>)/Microsoft.Dynamics.CRM.AddPrivilegesRole with "
    f'{{"Privileges":[{{"PrivilegeId":"{BYPASS_PRIVILEGE_ID}","Depth":"3"}}]}} '
    "(the role designer does not offer it), or give the application user the System Administrator role"
)


def bypass_headers(run: Iterable[str]) -> dict[str, str]:
    """The headers every write of a load carries, given the kinds of logic the customer lets run."""
    allowed = set(run)
    unknown = allowed - set(LOGIC_KINDS)
    if unknown:
        raise ValueError(f"run_business_logic: expected any of {LOGIC_KINDS}, got {sorted(unknown)}")
    custom = [value for kind, value in (("sync", "CustomSync"), ("async", "CustomAsync")) if kind not in allowed]
    headers = {"MSCRM.BypassBusinessLogicExecution": ",".join(custom)} if custom else {}
    if "flows" not in allowed:
        headers["MSCRM.SuppressCallbackRegistrationExpanderJob"] = "true"
    return headers


def needs_privilege(run: Iterable[str]) -> bool:
    """Whether the bypass headers sent need ``prvBypassCustomBusinessLogic``."""
    return "MSCRM.BypassBusinessLogicExecution" in bypass_headers(run)
