"""Readers of the channels' return requests (topic ``return.requested``)."""

from .return_requests import (
    ReturnRequest,
    ReturnRequestLine,
    parse_return_request,
    register_return_parser,
)
