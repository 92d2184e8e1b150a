"""Real images for the tests that upload them, made with Pillow: a phone's photo with its EXIF
(orientation, GPS location) or a small PNG."""

import io

from PIL import Image

ORIENTATION, GPS_IFD = 0x0112, 0x8825
# 奉节县's orchards, as a phone writes them: 31°1'8" N, 109°27'54" E.
FENGJIE_GPS = {1: "N", 2: (31.0, 1.0, 8.0), 3: "E", 4: (109.0, 27.0, 54.0)}


def photo(width: int = 4000, height: int = 3000, *, orientation: int = 1, gps: bool = True) -> bytes:
    """A JPEG as a phone takes it: noise (so it weighs what a photo does), with its EXIF."""
    image = Image.effect_noise((width, height), 64).convert("RGB")
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    if gps:
        exif[GPS_IFD] = FENGJIE_GPS
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def png(width: int = 8, height: int = 8, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (200, 120, 30, 128)[: len(mode)]).save(out, "PNG")
    return out.getvalue()
