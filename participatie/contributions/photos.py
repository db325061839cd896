"""Photos with a contribution: the type is read from the bytes, the image is decoded by Pillow,
turned upright, resized and re-encoded from its pixels only, so no EXIF, GPS, XMP or comments from
the original file survive."""
import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_EDGE = 1600
# Refuse decompression bombs well before Pillow's own limit: a phone photo is 12–50 megapixels.
MAX_PIXELS = 60_000_000
JPEG_QUALITY = 85

_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
)
_MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class PhotoError(ValueError):
    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Photo:
    data: bytes
    media_type: str
    width: int
    height: int


def sniff(data: bytes) -> str | None:
    """JPEG, PNG or WEBP from the first bytes, else None (a PDF named photo.jpg is None)."""
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def process_photo(data: bytes) -> Photo:
    """Check and clean an uploaded photo; raises PhotoError with a Dutch message when unusable."""
    if not data:
        raise PhotoError("empty", _l("Het bestand is leeg."))
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError("too_large", _l("De foto is groter dan %(mb)s MB.", mb=MAX_PHOTO_BYTES // (1024 * 1024)))
    kind = sniff(data)
    if kind is None:
        raise PhotoError("type", _l("Dit bestand is geen foto. Kies een JPEG-, PNG- of WebP-bestand."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
            if image.width * image.height > MAX_PIXELS:
                raise PhotoError("too_many_pixels", _l("De foto heeft te veel beeldpunten."))
            image.load()
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise PhotoError("unreadable", _l("De foto kan niet worden gelezen. Probeer een ander bestand.")) from exc
    # Turn the pixels as the camera meant (the Orientation tag is about to be dropped).
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if has_alpha and kind != "JPEG" else "RGB"
    # A new image from the pixels alone: no info dict, so no EXIF/XMP/ICC/comments to carry over.
    clean = Image.new(mode, image.size)
    clean.paste(image.convert(mode))
    out = io.BytesIO()
    if kind == "PNG":
        clean.save(out, format="PNG", optimize=True)
    elif kind == "WEBP":
        clean.save(out, format="WEBP", quality=JPEG_QUALITY)
    else:
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return Photo(data=out.getvalue(), media_type=_MEDIA_TYPES[kind], width=clean.width, height=clean.height)
