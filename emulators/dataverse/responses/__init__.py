"""Web API request handling: read the request, call the backend, serialise the answer (no behaviour)."""
