"""Image files for the command line: read and write without losing data.

One reader per format, chosen for what it keeps:

* PNG, JPEG, BMP, WebP: Pillow (pixels, EXIF, ICC profile, resolution, text, XMP);
  16-bit colour PNGs (RGB, RGBA, grey + alpha), which Pillow truncates to 8 bits, are
  decoded and encoded with imagecodecs (libpng) instead.
* TIFF: tifffile (every dtype and channel count; LZW, Deflate, ... through
  imagecodecs); an 8-bit or single-channel TIFF whose codec needs imagecodecs falls back
  to Pillow when imagecodecs is missing.

The EXIF orientation is applied on read (the array is the upright image) and removed
from the metadata that is written.  Metadata is kept where the output format can hold
it.  Files are written to a temporary file beside the target whose name marks it as
ours (``.NAME.pixelgrid-PID-XXXXXXXX.tmp``), created with the umask's default mode,
then renamed over the target; :func:`remove_stale_temps` deletes those left by a
process that no longer runs (e.g. after a SIGKILL).

Nothing here is public API: :mod:`pixelgrid.cli` is its only user.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF",
           ".bmp": "BMP", ".webp": "WEBP"}
# Pillow's own default (about 89.5 Mpx): images above it are refused unless allowed.
DEFAULT_MAX_PIXELS = 89_478_485
INSTALL_HINT = "pip install 'pixelgrid[cli]'"
# Our temporary files: ".<target name>.pixelgrid-<pid>-<8 hex>.tmp"
_TEMP_RE = re.compile(r"^\..+\.pixelgrid-(\d+)-[0-9a-f]{8}\.tmp$")
_ORIENTATION = 0x0112
_EXIF_IFD = 0x8769
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG ancillary chunks copied from a PNG input: colour space, resolution, text (XMP is an
# iTXt chunk).  eXIf is rewritten (orientation removed); the rest describe the pixels.
# sBIT (significant bits) is not copied: resampled values use every bit.
_PNG_COPY = (b"cICP", b"iCCP", b"sRGB", b"gAMA", b"cHRM", b"pHYs", b"tEXt", b"zTXt", b"iTXt",
             b"tIME")
_XMP_ORIENTATION = (rb'\s*tiff:Orientation="[0-9]"', rb"<tiff:Orientation>[0-9]</tiff:Orientation>")


class ImageFileError(Exception):
    """A file cannot be read or written as asked; the message says why and what to do."""


@dataclass
class Picture:
    """Pixels (upright, ``(H, W)`` or ``(H, W, C)``) and the metadata worth keeping."""

    pixels: NDArray[Any]
    format: str
    lossless: bool = True
    icc_profile: bytes | None = None
    exif: Any = None  # PIL.Image.Exif without the orientation tag
    dpi: tuple[float, float] | None = None
    xmp: bytes | None = None
    comment: bytes | None = None
    png_chunks: list[tuple[bytes, bytes]] = field(default_factory=list)
    tiff: dict[str, Any] = field(default_factory=dict)  # compression, predictor
    notes: list[str] = field(default_factory=list)


def _need(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0].replace("PIL", "pillow")
        raise ImageFileError(f"this needs {package}: {INSTALL_HINT}") from None


def format_of(path: Path) -> str:
    """The format name of ``path`` by its suffix, or an :class:`ImageFileError`."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImageFileError(f"{path}: unsupported image format {path.suffix or '(none)'}; "
                             f"use one of {', '.join(sorted(FORMATS))}")
    return fmt


@contextlib.contextmanager
def pillow_bomb_check_off() -> Iterator[None]:
    """Turn Pillow's decompression-bomb warning/error off: :func:`read` checks sizes itself.

    Pillow warns (and decodes anyway) between 89.5 and 179 Mpx; the command line refuses
    such images with its own message and ``--max-pixels`` to allow them.
    """
    try:
        from PIL import Image
    except ImportError:
        yield
        return
    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = old


def _check_pixels(path: Path, width: int, height: int, max_pixels: int | None) -> None:
    if max_pixels and width * height > max_pixels:
        raise ImageFileError(
            f"{path}: {width}x{height} = {width * height / 1e6:.1f} Mpx is more than the limit "
            f"of {max_pixels / 1e6:.1f} Mpx (a guard against decompression bombs); "
            f"if you trust the file, allow it with --max-pixels {width * height} "
            "(or --max-pixels 0 for no limit)")


# -- orientation -----------------------------------------------------------------------------

def apply_orientation(arr: NDArray[Any], orientation: int) -> NDArray[Any]:
    """The upright image of ``arr`` stored with EXIF/TIFF ``orientation`` (1..8)."""
    if orientation == 2:
        return arr[:, ::-1]
    if orientation == 3:
        return arr[::-1, ::-1]
    if orientation == 4:
        return arr[::-1]
    if orientation == 5:  # transpose
        return np.swapaxes(arr, 0, 1)
    if orientation == 6:  # rotate 90 degrees clockwise
        return np.rot90(arr, -1)
    if orientation == 7:  # transverse
        return np.swapaxes(arr[::-1, ::-1], 0, 1)
    if orientation == 8:  # rotate 90 degrees counter-clockwise
        return np.rot90(arr, 1)
    return arr


def _strip_xmp_orientation(xmp: Any) -> bytes | None:
    if not xmp:
        return None
    data = xmp.encode() if isinstance(xmp, str) else bytes(xmp)
    for pattern in _XMP_ORIENTATION:
        data = re.sub(pattern, b"", data)
    return data


# -- PNG chunks ------------------------------------------------------------------------------

def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    out, pos = [], len(_PNG_SIGNATURE)
    while pos + 8 <= len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        out.append((kind, data[pos + 8:pos + 8 + n]))
        pos += 12 + n
        if kind == b"IEND":
            break
    return out


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def _png_with_metadata(encoded: bytes, extra: list[tuple[bytes, bytes]]) -> bytes:
    """``encoded`` (a PNG with pixels only) with the ``extra`` chunks after IHDR."""
    chunks = _png_chunks(encoded)
    keep = (b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND")
    parts = [_PNG_SIGNATURE]
    for kind, payload in chunks:
        if kind not in keep:
            continue
        parts.append(_png_chunk(kind, payload))
        if kind == b"IHDR":
            parts.extend(_png_chunk(k, p) for k, p in extra)
    return b"".join(parts)


def _png_header(path: Path) -> tuple[int, int]:
    """(bit depth, colour type) from a PNG's IHDR."""
    with open(path, "rb") as f:
        head = f.read(33)
    if len(head) < 26 or not head.startswith(_PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return 0, 0
    return head[24], head[25]


def _webp_lossless(path: Path) -> bool:
    """True if the WebP file's image is VP8L (lossless) rather than VP8 (lossy)."""
    with open(path, "rb") as f:
        data = f.read(1 << 16)
    pos = 12
    while pos + 8 <= len(data):
        kind = data[pos:pos + 4]
        (n,) = struct.unpack("<I", data[pos + 4:pos + 8])
        if kind == b"VP8L":
            return True
        if kind == b"VP8 ":
            return False
        pos += 8 + n + (n & 1)
    return False


# -- reading ---------------------------------------------------------------------------------

def read(path: Path, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> Picture:
    """Read ``path``: upright pixels and metadata; a clear :class:`ImageFileError` if not."""
    fmt = format_of(path)
    try:
        if fmt == "TIFF":
            return _read_tiff(path, max_pixels)
        return _read_pillow(path, fmt, max_pixels)
    except (ImageFileError, MemoryError):
        raise
    except Exception as exc:
        raise ImageFileError(f"{path}: cannot read image ({type(exc).__name__}: {exc})") from None


def _read_pillow(path: Path, fmt: str, max_pixels: int | None) -> Picture:
    image_mod = _need("PIL.Image")
    with image_mod.open(path) as img:
        _check_pixels(path, img.width, img.height, max_pixels)
        fmt = img.format or fmt  # what the file is, whatever its suffix says
        if fmt == "MPO":  # a phone's JPEG with extra pictures: the first is the photo
            fmt = "JPEG"
        elif getattr(img, "n_frames", 1) > 1:
            raise ImageFileError(f"{path}: has {img.n_frames} frames (animation or pages); "
                                 "only single images are supported")
        pic = Picture(np.zeros(0), fmt)
        exif = img.getexif()
        orientation = int(exif.get(_ORIENTATION, 1) or 1)
        if _ORIENTATION in exif:
            del exif[_ORIENTATION]
        pic.exif = exif if len(exif) or exif.get_ifd(_EXIF_IFD) else None
        pic.icc_profile = img.info.get("icc_profile") or None
        dpi = img.info.get("dpi")
        pic.dpi = (float(dpi[0]), float(dpi[1])) if dpi else None
        pic.xmp = _strip_xmp_orientation(img.info.get("xmp")
                                         or img.info.get("XML:com.adobe.xmp"))
        pic.comment = img.info.get("comment") or None
        pic.lossless = fmt in ("PNG", "BMP") or (fmt == "WEBP" and _webp_lossless(path))
        if fmt == "PNG":
            data = path.read_bytes()
            for kind, payload in _png_chunks(data):
                if kind not in _PNG_COPY or payload.startswith(
                        (b"Raw profile type exif", b"Raw profile type APP1")):
                    continue  # ImageMagick's EXIF as text: the EXIF is rewritten below
                if kind == b"iTXt" and payload.startswith(b"XML:com.adobe.xmp\0"):
                    payload = _strip_xmp_orientation(payload) or payload
                pic.png_chunks.append((kind, payload))
            depth, colour = _png_header(path)
            if depth == 16 and colour in (2, 4, 6):
                # Pillow would give 8 bits per channel: libpng through imagecodecs keeps 16.
                codecs = _need_imagecodecs(path, "a 16-bit colour PNG")
                pic.pixels = np.asarray(codecs.png_decode(data))
                pic.pixels = apply_orientation(pic.pixels, orientation)
                return pic
        img.load()
        arr = _pillow_array(img, pic)
    pic.pixels = apply_orientation(arr, orientation)
    return pic


def _need_imagecodecs(path: Path, what: str) -> Any:
    try:
        import imagecodecs
    except ImportError:
        raise ImageFileError(f"{path}: {what} needs imagecodecs (Pillow would lose data): "
                             f"{INSTALL_HINT}") from None
    return imagecodecs


def _pillow_array(img: Any, pic: Picture) -> NDArray[Any]:
    mode = img.mode
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode == "PA":
        img = img.convert("RGBA")
    elif mode == "1":
        img = img.convert("L")
    elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        img = img.convert("RGB")
        if pic.icc_profile is not None:
            # the profile describes the original colour space, not the converted pixels
            pic.icc_profile = None
            pic.notes.append(f"converted from {mode} to RGB; its ICC profile is dropped")
    elif mode == "I;16B":
        return np.asarray(img).astype(np.uint16)
    arr = np.asarray(img)
    if arr.dtype == np.int32 and arr.size and arr.min() >= 0 and arr.max() <= 65535:
        arr = arr.astype(np.uint16)  # Pillow opens some 16-bit PNGs as 32-bit "I"
    return arr


def _read_tiff(path: Path, max_pixels: int | None) -> Picture:
    tifffile = _need("tifffile")
    pic = Picture(np.zeros(0), "TIFF")
    with tifffile.TiffFile(path) as tif:
        if not tif.series:
            raise ImageFileError(f"{path}: no image in this TIFF")
        series = tif.series[0]
        page = series.pages[0] if series.pages else tif.pages.first
        axes, shape = series.axes, series.shape
        if "Y" not in axes or "X" not in axes:
            raise ImageFileError(f"{path}: TIFF axes {axes!r} have no image plane")
        height, width = shape[axes.index("Y")], shape[axes.index("X")]
        _check_pixels(path, width, height, max_pixels)
        if len(tif.series) > 1 or axes not in ("YX", "YXS", "SYX"):
            raise ImageFileError(
                f"{path}: a multi-page or multi-image TIFF (axes {axes!r}, "
                f"{len(tif.series)} series); only single images are supported")
        tags = page.tags
        orientation = int(tags["Orientation"].value) if "Orientation" in tags else 1
        icc = tags.get(34675)
        pic.icc_profile = bytes(icc.value) if icc is not None else None
        unit = int(page.resolutionunit)
        if "XResolution" in tags and unit in (2, 3):
            x, y = page.resolution
            scale = 2.54 if unit == 3 else 1.0  # per centimetre -> per inch
            pic.dpi = (float(x) * scale, float(y) * scale)
        pic.tiff = {"compression": int(page.compression), "predictor": int(page.predictor)}
        photometric = int(page.photometric)
        arr = None
        reason = ""
        if photometric in (0, 1, 2):  # min-is-white, min-is-black, RGB: tifffile
            try:
                arr = np.asarray(series.asarray())
            except (ValueError, KeyError, ImportError) as exc:
                if "imagecodecs" not in str(exc):
                    raise
                reason = f"its {page.compression.name} compression needs imagecodecs"
            if arr is not None:
                if axes == "SYX":
                    arr = np.moveaxis(arr, 0, -1)
                if photometric == 0:  # stored min-is-white: make it min-is-black
                    arr = ~arr if arr.dtype.kind in "ub" else -arr
        else:
            reason = f"its photometric {page.photometric.name} is converted to RGB"
        if arr is None:
            # Pillow reads LZW/PackBits itself and converts palette/CMYK/YCbCr to RGB,
            # losslessly only for 8-bit and one-channel data.
            if page.bitspersample > 8 and page.samplesperpixel > 1:
                raise ImageFileError(
                    f"{path}: {reason}; Pillow would reduce its {page.samplesperpixel}x"
                    f"{page.bitspersample}-bit samples to 8 bits: {INSTALL_HINT}")
            image_mod = _need("PIL.Image")
            with image_mod.open(path, formats=["TIFF"]) as img:
                img.load()
                arr = _pillow_array(img, pic)
    if arr.dtype == np.bool_:  # 1-bit: grey 0/255, as Pillow's "1" -> "L"
        arr = arr.astype(np.uint8) * np.uint8(255)
    pic.pixels = apply_orientation(arr, orientation)
    return pic


# -- writing ---------------------------------------------------------------------------------

def temp_path(target: Path) -> Path:
    """A fresh temporary name beside ``target`` that :func:`remove_stale_temps` recognises."""
    return target.with_name(f".{target.name}.pixelgrid-{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete our temporary files in ``folder`` whose writing process no longer runs."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if m and not _alive(int(m.group(1))) and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def write(path: Path, pic: Picture, *, quality: int = 95) -> None:
    """Encode ``pic`` for ``path``'s format and put it there atomically (mode per umask)."""
    fmt = format_of(path)
    data = encode(pic, fmt, quality=quality, name=str(path))
    tmp = temp_path(path)
    # O_EXCL: never follow a planted link; 0o666 & ~umask is the mode any new file gets
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _channels(arr: NDArray[Any]) -> int:
    return 1 if arr.ndim == 2 else int(arr.shape[2])


def _refuse(name: str, fmt: str, arr: NDArray[Any], hint: str) -> ImageFileError:
    return ImageFileError(f"{name}: {fmt} cannot store {arr.dtype} data with "
                          f"{_channels(arr)} channel(s) (shape {arr.shape}); {hint}")


def encode(pic: Picture, fmt: str, *, quality: int = 95, name: str = "output") -> bytes:
    """The bytes of ``pic`` in format ``fmt`` (PNG, JPEG, TIFF, BMP, WEBP)."""
    arr = pic.pixels
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3):
        raise ImageFileError(f"{name}: expected an image (H, W) or (H, W, C), got {arr.shape}")
    if fmt == "TIFF":
        return _encode_tiff(pic, arr)
    c = _channels(arr)
    if fmt == "PNG":
        if arr.dtype == np.uint16 and c in (2, 3, 4):
            codecs = _need_imagecodecs(Path(name), "writing a 16-bit colour PNG")
            encoded = bytes(codecs.png_encode(np.ascontiguousarray(arr)))
            return _png_with_metadata(encoded, _png_metadata(pic, arr))
        if not (arr.dtype == np.uint8 or (arr.dtype == np.uint16 and c == 1)):
            raise _refuse(name, fmt, arr, "PNG holds 8- or 16-bit unsigned integers; "
                                          "write a .tif instead")
        encoded = _pillow_bytes(arr, "PNG", {})
        return _png_with_metadata(encoded, _png_metadata(pic, arr))
    if arr.dtype != np.uint8:
        raise _refuse(name, fmt, arr, f"{fmt} holds 8-bit data; write a .png or .tif instead")
    opts: dict[str, Any] = {}
    if pic.icc_profile and fmt != "BMP":
        opts["icc_profile"] = pic.icc_profile
    if pic.dpi and fmt != "WEBP":
        opts["dpi"] = pic.dpi
    exif = _exif_bytes(pic, arr)
    if exif and fmt != "BMP":
        opts["exif"] = exif
    if pic.xmp and fmt in ("JPEG", "WEBP"):
        opts["xmp"] = pic.xmp
    if fmt == "JPEG":
        if c not in (1, 3):
            raise _refuse(name, fmt, arr, "JPEG has no alpha channel; write a .png instead")
        opts.update(quality=quality, subsampling="4:4:4" if quality >= 90 else "4:2:0")
        if pic.comment:
            opts["comment"] = pic.comment
    elif fmt == "BMP":
        if c not in (1, 3):
            raise _refuse(name, fmt, arr, "Pillow's BMP writer drops alpha; write a .png")
    elif fmt == "WEBP":
        if c not in (3, 4):
            arr = _grey_to_rgb(arr, name)
        # lossless in, lossless out; a lossy input (JPEG, lossy WebP) gives a lossy WebP
        opts.update(lossless=pic.lossless, method=4)
        if not pic.lossless:
            opts["quality"] = quality
        if pic.lossless:
            opts["exact"] = True  # keep RGB under transparent pixels
    try:
        return _pillow_bytes(arr, fmt, opts)
    except ValueError as exc:
        if "exif" not in opts or "exif" not in str(exc).lower():
            raise
        # e.g. a JPEG's EXIF is limited to 64 kB (a large maker note): keep the pixels
        del opts["exif"]
        pic.notes.append(f"EXIF not written ({exc})")
        return _pillow_bytes(arr, fmt, opts)


def _grey_to_rgb(arr: NDArray[Any], name: str) -> NDArray[Any]:
    if arr.ndim == 2:
        return np.repeat(arr[..., None], 3, axis=2)
    if arr.shape[2] == 2:  # grey + alpha
        return np.concatenate([np.repeat(arr[..., :1], 3, axis=2), arr[..., 1:]], axis=2)
    raise _refuse(name, "WEBP", arr, "write a .png or .tif instead")


def _pillow_bytes(arr: NDArray[Any], fmt: str, opts: dict[str, Any]) -> bytes:
    image_mod = _need("PIL.Image")
    img = image_mod.fromarray(np.ascontiguousarray(arr))  # uint16 (H, W): mode I;16
    buf = io.BytesIO()
    img.save(buf, format=fmt, **opts)
    return buf.getvalue()


def _exif_bytes(pic: Picture, arr: NDArray[Any]) -> bytes | None:
    if pic.exif is None:
        return None
    exif = pic.exif
    sub = exif.get_ifd(_EXIF_IFD)
    # PixelXDimension / PixelYDimension describe the pixels: give the new size
    if 0xA002 in sub:
        sub[0xA002] = int(arr.shape[1])
    if 0xA003 in sub:
        sub[0xA003] = int(arr.shape[0])
    data: bytes = exif.tobytes()
    return data


def _png_metadata(pic: Picture, arr: NDArray[Any]) -> list[tuple[bytes, bytes]]:
    chunks = list(pic.png_chunks)
    kinds = {k for k, _ in chunks}
    if pic.icc_profile and b"iCCP" not in kinds:
        chunks.append((b"iCCP", b"ICC Profile\0\0" + zlib.compress(pic.icc_profile)))
    if pic.dpi and b"pHYs" not in kinds:
        per_m = [round(d / 0.0254) for d in pic.dpi]
        chunks.append((b"pHYs", struct.pack(">IIB", per_m[0], per_m[1], 1)))
    if pic.xmp and not any(k == b"iTXt" and p.startswith(b"XML:com.adobe.xmp\0")
                           for k, p in chunks):
        chunks.append((b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + pic.xmp))
    exif = _exif_bytes(pic, arr)
    if exif:
        chunks.append((b"eXIf", exif[6:] if exif.startswith(b"Exif\0\0") else exif))
    return chunks


def _encode_tiff(pic: Picture, arr: NDArray[Any]) -> bytes:
    tifffile = _need("tifffile")
    c = _channels(arr)
    kw: dict[str, Any] = {}
    if c in (3, 4) and arr.dtype.kind in "uif":
        kw["photometric"] = "rgb"
        if c == 4:
            kw["extrasamples"] = ["unassalpha"]
    else:
        kw["photometric"] = "minisblack"
        if c > 1:
            kw["planarconfig"] = "contig"
            kw["extrasamples"] = ["unspecified"] * (c - 1)
    if pic.icc_profile:
        kw["iccprofile"] = pic.icc_profile
    if pic.dpi:
        kw["resolution"] = pic.dpi
        kw["resolutionunit"] = "INCH"
    compression = pic.tiff.get("compression", 1)
    predictor = pic.tiff.get("predictor", 1)
    attempts: list[dict[str, Any]] = []
    if compression not in (None, 1):
        attempts.append({"compression": compression,
                         "predictor": predictor if predictor != 1 else None})
        attempts.append({"compression": "zlib"})  # Deflate: needs only Python's zlib
    attempts.append({})
    last: Exception | None = None
    for extra in attempts:
        buf = io.BytesIO()
        try:
            tifffile.imwrite(buf, np.ascontiguousarray(arr), **kw,
                             **{k: v for k, v in extra.items() if v is not None})
        except (ValueError, KeyError, ImportError, NotImplementedError) as exc:
            last = exc
            continue
        if extra is not attempts[0] and compression not in (None, 1):
            pic.notes.append(f"TIFF compression {compression} is not available here "
                             f"({last}); wrote {extra.get('compression', 'uncompressed')}")
        return buf.getvalue()
    raise ImageFileError(f"cannot write TIFF: {last}")
