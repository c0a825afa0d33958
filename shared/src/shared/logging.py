"""structlog JSON logging, with the standard library (uvicorn, sqlalchemy, alembic) bridged in."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from shared.context import current_request_id
from shared.tracing import add_trace_ids


def _add_request_id(
    _: Any, __: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    request_id = current_request_id()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


def configure_logging(*, service: str, level: str = "INFO", json: bool = True) -> None:
    def add_service(
        _: Any, __: str, event_dict: structlog.types.EventDict
    ) -> structlog.types.EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    shared_processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        add_service,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_request_id,
        add_trace_ids,  # trace_id/span_id while a span is current (tracing on); else nothing
        structlog.processors.EventRenamer("message"),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        # filter_by_level first: below the level, skip the whole chain (timestamps, request id,
        # context merge) instead of building an event the stdlib logger then drops. The access
        # log runs on every request, so at WARNING this is ~50 µs per request (bench/RESULTS.md).
        processors=[
            structlog.stdlib.filter_by_level,
            *shared_processors,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared_processors,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # uvicorn configured its own plain-text handlers before calling our factory: route its
    # loggers through the root (JSON) handler instead. Our access log replaces uvicorn's.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every internal call at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
