"""The HTTP service: a JSON API, CDS Hooks 2.0 cards and FHIR input, on FastAPI + uvicorn.

Why a separate package: it needs the optional ``[server]`` extra; the core never imports it.
Every answer is built from the same Report the command line prints, through the one evaluation
facade (``cryoelig.facade.review``) and the format registry (``cryoelig.render``). Nothing a
client sends is echoed back or logged: errors carry schema field names and the tool's own words.
"""
