"""Product photos as a phone takes them, made fit to serve: checked to be a JPEG, PNG or WebP image of
at most so many pixels, turned upright by its EXIF orientation, brought to sRGB, scaled to a bounded
long edge, with a thumbnail, and stripped of every piece of metadata (the GPS location in particular:
a cooperative member's photo of the orchard says where they live)."""

import io
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 85
SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class Rendition:
    data: bytes
    content_type: str
    extension: str


@dataclass(frozen=True)
class Photo:
    image: Rendition
    thumbnail: Rendition


class NotAnImage(ValueError):
    """Not a JPEG, PNG or WebP image, or one that cannot be read to its end."""


class TooManyPixels(ValueError):
    """More pixels than allowed: a decompression bomb, or a panorama past any product photo."""


def prepare(data: bytes, *, max_pixels: int, long_edge: int, thumbnail_edge: int) -> Photo:
    """The photo at most `long_edge` pixels on its long side and a thumbnail at most `thumbnail_edge`,
    upright, in sRGB and without metadata. Only the header is read before the pixel count is checked."""
    try:
        source = Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError as error:
        raise NotAnImage(str(error)) from error
    except Image.DecompressionBombError as error:  # past twice Pillow's own limit, refused on opening
        raise TooManyPixels(str(error)) from error
    if source.width * source.height > max_pixels:
        raise TooManyPixels(f"{source.width}x{source.height}")
    try:
        # A JPEG decodes straight at the smallest scale (1/2, 1/4, 1/8) still above the long edge.
        source.draft("RGB", (long_edge, long_edge))
        image = _in_srgb(ImageOps.exif_transpose(source), source.info.get("icc_profile"))
    except (OSError, SyntaxError, ValueError) as error:  # truncated or corrupt past its header
        raise NotAnImage(str(error)) from error
    image.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
    thumbnail = image.copy()
    thumbnail.thumbnail((thumbnail_edge, thumbnail_edge), Image.Resampling.LANCZOS)
    return Photo(_encoded(image), _encoded(thumbnail))


def _in_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """RGB (RGBA where it has transparency) in sRGB: colours as the profile the photo came with
    means them (an iPhone's Display P3, a print shop's CMYK), since the stored file carries no
    profile and a browser shows an untagged image as sRGB."""
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if transparent else "RGB"
    if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        image = image.convert(mode)
    if icc_profile:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            converted = ImageCms.profileToProfile(image, profile, SRGB, outputMode=mode)
        except ImageCms.PyCMSError:
            converted = None  # a profile littleCMS cannot read or apply: the pixels as they are
        if converted is not None:
            image = converted
    return image.convert(mode)


def _encoded(image: Image.Image) -> Rendition:
    """JPEG for a photo, PNG where it has transparency; written from the pixels alone, so no EXIF,
    XMP, ICC or text chunk of the upload survives."""
    out = io.BytesIO()
    pixels = Image.new(image.mode, image.size)
    pixels.paste(image)
    if image.mode == "RGBA":
        pixels.save(out, "PNG", optimize=True)
        return Rendition(out.getvalue(), "image/png", "png")
    pixels.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return Rendition(out.getvalue(), "image/jpeg", "jpg")
