"""The API's response bodies as pydantic models, by area: what the OpenAPI documents and a
generated client types. Plain pydantic, no heavy imports: the routers import them at start.

Money amounts are decimal text (``"1250.00"``), as everywhere in the API. Most handlers build
their bodies as dicts and answer them with :func:`declared`: the route's ``response_model``
documents the body, the bytes stay those FastAPI sent before the models existed (re-serialising
through a model would reorder keys and re-spell floats, ``1e-05`` as ``0.00001``). The e2e test
``tests/e2e/test_openapi_typed.py`` validates real bodies against these schemas.
"""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse


def declared(content: Any, status_code: int = 200) -> JSONResponse:
    """``content`` exactly as FastAPI answers a body without a response model (jsonable_encoder,
    then JSONResponse); the route's ``response_model`` documents its shape."""
    return JSONResponse(jsonable_encoder(content), status_code=status_code)
