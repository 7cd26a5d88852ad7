"""Documented Dataverse limits and defaults, each with the research section it comes from."""

API_PREFIX = "/api/data/v9.2"
CONTROL_PREFIX = "/_emulator"
NAMESPACE = "Microsoft.Dynamics.CRM"

# research/dataverse.md §4.1 / anchors.md A1: service protection per user, 300 s sliding window.
REQUESTS_PER_WINDOW = 6000
EXECUTION_SECONDS_PER_WINDOW = 1200.0
CONCURRENT_REQUESTS = 52
WINDOW_SECONDS = 300.0
# research/dataverse.md §12: the wait Dataverse suggests after a concurrency 429 is not documented.
CONCURRENCY_RETRY_AFTER_SECONDS = 1.0
# anchors.md §4.2: exceeding the DOP hint produced throttle events of ≈ 30 s (ppds-sdk benchmarks).
STORM_RETRY_AFTER_SECONDS = 30.0

# anchors.md §4.2, SLG-Business-Applications GCC sandbox: one record per POST took 122 ms
# (491 rec/min); CreateMultiple took 0.38 s for 50, 0.73 s for 100, 3.26 s for 500 and 6.59 s for 1,000
# records. base + n × per-record with these two numbers reproduces all five within 12 %.
BASE_LATENCY_MS = 100.0
PER_RECORD_MS = 6.5
# The real-org profile (models/profiles.py): a Sales org's own platform steps per record written, on top of the
# sandbox's 6.5 ms. No published figure; chosen so one application user's execution-time ceiling with the bypass
# (4 s of execution per second ÷ ≈ 10 ms a write ≈ 400 writes/s) stays under anchors.md §4.2's ≈ 500 rec/s
# optimistic ceiling per app registration, and without it (plus the profile's 10-25 ms custom steps) falls into
# Microsoft's "100-200 records per second" planning band (cut-over-planning.md, anchors.md §4.2).
SALES_ORG_PER_RECORD_MS = 10.0
# No published number for reads; a 5,000-row page then costs 0.35 s on top of the base (assumption).
PER_ROW_READ_MS = 0.05

# anchors.md §4.1: x-ms-dop-hint was 4 in Microsoft's sample environment (5 in the PPDS dev env).
DOP_HINT = 4

# research/dataverse.md §3.1: at most 1,000 requests in one $batch.
MAX_BATCH_OPERATIONS = 1000
# research/dataverse.md §9: default and maximum page size, and the $count cap.
MAX_PAGE_SIZE = 5000
MAX_COUNT = 5000
# research/dataverse.md §5.4: maxuploadfilesize default 5,242,880 bytes, maximum 131,072,000 bytes;
# the limit applies to the base64 length; blocks of at most 4 MB in chunked uploads.
MAX_UPLOAD_FILE_SIZE = 5_242_880
MAX_UPLOAD_FILE_SIZE_LIMIT = 131_072_000
MAX_BLOCK_BYTES = 4 * 1024 * 1024
# research/dataverse.md §6.2: key constraints.
MAX_KEY_COLUMNS = 16
MAX_KEYS_PER_TABLE = 10
KEY_INDEX_STATES = ("Pending", "InProgress", "Active")
# research/dataverse.md §6.2: the index is built asynchronously; the step time is the emulator's choice.
KEY_INDEX_STEP_SECONDS = 5.0
# research/dataverse.md §6.1: default customization prefix of the CDS default publisher.
OPTION_VALUE_PREFIX = 10000

# research/dataverse.md §2.1: response headers.
JSON_CONTENT_TYPE = "application/json; odata.metadata=minimal"
JSON_COLLECTION_CONTENT_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true"
