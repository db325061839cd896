"""Open data: OGC API – Features at /ogc and its OpenAPI 3.0 definition at /openapi.json."""
