"""Photos up to 10 MB in chunks that resume after a dropped connection."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router

from . import schemas as s
from . import services
from .responses import ERRORS

router = Router()


def _upload_out(upload) -> dict:
    return {
        "id": upload.pk,
        "client_id": upload.client_id,
        "size": upload.size,
        "received": upload.received,
        "complete": upload.is_complete,
        "content_type": upload.content_type,
    }


@router.post("/photos", response={200: s.UploadOut, **ERRORS}, tags=["foto"])
def photo_start(request, payload: s.UploadStartIn):
    """Start a photo upload of ``size`` bytes (≤ 10 MB); the same client_id finds it again."""
    upload = services.start_upload(
        user=request.user,
        client_id=payload.client_id,
        file_name=payload.file_name,
        size=payload.size,
    )
    return _upload_out(upload)


def _in_range(upload_id: int) -> int:
    """An id past the database's integer is not found (not a 500 from the database)."""
    if not 1 <= upload_id <= s.MAX_ID:
        raise Http404
    return upload_id


def _own_upload(request, upload_id: int):
    return get_object_or_404(
        services.PhotoUpload.objects, pk=_in_range(upload_id), user=request.user
    )


@router.get("/photos/{upload_id}", response={200: s.UploadOut, **ERRORS}, tags=["foto"])
def photo_status(request, upload_id: int):
    """How many bytes arrived: after a dropped connection the app resumes from ``received``."""
    return _upload_out(_own_upload(request, upload_id))


@router.put(
    "/photos/{upload_id}/chunk",
    response={200: s.UploadOut, **ERRORS},
    tags=["foto"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
def photo_chunk(request, upload_id: int, offset: s.Offset):
    """Send the bytes from ``offset`` (≤ 1 MB a chunk); the last one checks the photo."""
    upload = services.append_chunk(
        user=request.user, upload_id=_in_range(upload_id), offset=offset, data=request.body
    )
    return _upload_out(upload)
