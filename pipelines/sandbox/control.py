"""``/_sandbox``: the test harness's handle on a running sandbox org (not a Salesforce API).

* ``GET /_sandbox/faults`` — the fault knobs and the counters they act on;
* ``POST /_sandbox/faults`` — change any knobs (JSON object; see :mod:`pipelines.sandbox.faults`);
* ``POST /_sandbox/reset`` — zero the counters; with ``{"faults": true}`` also restore the knobs
  the server started with, ``"sessions"`` logs everyone out, ``"cursors"`` forgets query
  locators, ``"jobs"`` forgets Bulk jobs;
* ``GET /_sandbox/info`` — org id, admin user, credentials and record counts.

Control calls are never delayed, counted or faulted.
"""

from __future__ import annotations

import copy

from fastapi import APIRouter, Request
from starlette.responses import Response

from pipelines.sandbox.context import JsonBody, sandbox_of
from pipelines.sandbox.errors import ApiError, json_response

router = APIRouter()


@router.get("/_sandbox/faults")
def get_faults(request: Request) -> Response:
    return json_response(sandbox_of(request).faults.snapshot())


@router.post("/_sandbox/faults")
def set_faults(request: Request, body: JsonBody) -> Response:
    sb = sandbox_of(request)
    try:
        sb.faults.update(body if body is not None else {})
    except ValueError as exc:
        raise ApiError(400, "INVALID_FAULT_SETTING", str(exc)) from None
    return json_response(sb.faults.snapshot())


@router.post("/_sandbox/reset")
def reset(request: Request, body: JsonBody) -> Response:
    sb = sandbox_of(request)
    what = body if isinstance(body, dict) else {}
    sb.faults.reset_counters()
    if what.get("faults"):
        sb.faults.settings = copy.deepcopy(sb.options.faults)
    if what.get("sessions"):
        sb.sessions.revoke_all()
    if what.get("cursors"):
        sb.cursors.clear()
    if what.get("jobs"):
        sb.jobs.clear()
    return json_response(sb.faults.snapshot())


@router.get("/_sandbox/info")
def info(request: Request) -> Response:
    sb = sandbox_of(request)
    creds = sb.options.credentials
    settings = sb.store.settings
    return json_response(
        {
            "org_id": settings.org_id,
            "org_name": settings.org_name,
            "admin_user_id": settings.admin_user_id,
            "time_zone": settings.time_zone,
            "data_dir": str(sb.store.data_dir),
            "credentials": {
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
                "username": creds.username,
                "password": creds.password,
                "security_token": creds.security_token,
            },
            "records": {o.name: sb.store.count(o.name) for o in sb.store.catalog},
        }
    )
