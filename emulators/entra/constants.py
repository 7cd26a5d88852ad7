"""Entra ID facts the emulator reproduces, each with the research section it comes from."""

# research/dataverse.md §1.1: real Entra answers client credentials with expires_in 3599, and msal
# treats a cached token with < 300 s left as expired, so anything shorter defeats msal's cache.
TOKEN_LIFETIME_SECONDS = 3599
# research/dataverse.md §1.1: the scope of a client-credentials request is "<resource>/.default".
DEFAULT_SCOPE_SUFFIX = "/.default"
GRANT_CLIENT_CREDENTIALS = "client_credentials"
# v1 access tokens (what Dataverse receives) carry the sts.windows.net issuer.
V1_ISSUER_TEMPLATE = "https://sts.windows.net/{tenant}/"
SIGNING_ALGORITHM = "RS256"
RSA_KEY_BITS = 2048
# research/dataverse.md §1.1: msal sends "x-ms-lib-capability: retry-after, h429" and honours Retry-After
# on 429/5xx token responses; the injected fault uses this default wait.
FAULT_RETRY_AFTER_SECONDS = 5
CONTROL_PREFIX = "/_emulator"
