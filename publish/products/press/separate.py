"""A press PDF drawn in RGB (WeasyPrint's) → the same pages in CMYK for the printer's profile, with pikepdf.

Every content stream (pages, forms, patterns) has its RGB and grey colour
operators replaced by CMYK ones — text, greys and rules in black ink alone —
RGB and Lab colour spaces give way to DeviceCMYK, shadings' colours are
converted, pictures are converted by the profile and held to the ink limit,
and the output intent becomes the printer's CMYK profile.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging

logging.getLogger("pikepdf").setLevel(logging.WARNING)  # its start-up notice is no news to an editor

import pikepdf  # noqa: E402
from pikepdf import Array, Dictionary, Name  # noqa: E402

from publish.products.press.inks import CONVERSION, JPEG_QUALITY, Inks  # noqa: E402
from publish.products.press.recolour import recoloured, space_kind  # noqa: E402,F401 - space_kind: used from here too


def separate(pdf_bytes: bytes, inks: Inks, intent: bool) -> tuple[bytes, list[str]]:
    """A PDF (a whole edition, or one of the parts it is joined from) separated for `inks`, and the keys of
    its pictures in the store (for PictureStore.prune); the printer's output intent only if `intent`."""
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    with _converting(pdf, inks) as pictures:
        done: set = set()
        for page in pdf.pages:
            page.contents_coalesce()
            _separate(pdf, page.obj, inks, done)
            _group_to_cmyk(page.obj)
    if intent:
        _output_intent(pdf, inks)
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    return out.getvalue(), sorted(pictures)


def _separate(pdf, holder, inks: Inks, done: set) -> None:
    """One page, form or pattern: its content stream, then its resources (each object once)."""
    resources = holder.get("/Resources", Dictionary())
    stream = holder if isinstance(holder, pikepdf.Stream) else holder.get("/Contents")
    if stream is not None:
        stream.write(recoloured(holder, stream, inks, resources))
    for name, space in list(resources.get("/ColorSpace", Dictionary()).items()):
        if space_kind(space) in ("rgb", "lab"):
            del resources.ColorSpace[name]  # every use was rewritten to DeviceCMYK
    for shading in resources.get("/Shading", Dictionary()).values():
        _shading(shading, inks, done)
    for kind in ("/XObject", "/Pattern"):
        for item in resources.get(kind, Dictionary()).values():
            if item.objgen in done and item.objgen != (0, 0):
                continue
            done.add(item.objgen)
            if item.get("/Subtype") == "/Image":
                _picture(pdf, item, inks)
            elif item.get("/PatternType") == 2:
                _shading(item.Shading, inks, done)
            elif isinstance(item, pikepdf.Stream):
                _separate(pdf, item, inks, done)
                _group_to_cmyk(item)
    for state in resources.get("/ExtGState", Dictionary()).values():
        mask = state.get("/SMask")
        if isinstance(mask, Dictionary) and "/G" in mask and mask.G.objgen not in done:
            done.add(mask.G.objgen)
            _separate(pdf, mask.G, inks, done)


def _shading(shading, inks: Inks, done: set) -> None:
    """An axial or radial RGB shading → CMYK: its exponential functions' end colours converted."""
    if space_kind(shading.get("/ColorSpace")) != "rgb":
        return
    function = shading.get("/Function")
    for part in ([function] if isinstance(function, Dictionary) else list(function or [])):
        for sub in [part, *list(part.get("/Functions", []))]:
            for key in ("/C0", "/C1"):
                default = [0, 0, 0] if key == "/C0" else [1, 1, 1]
                rgb = tuple(float(v) for v in sub.get(key, default))
                if len(rgb) == 3:
                    sub[key] = Array(list(inks.colour(rgb)))
    shading.ColorSpace = Name.DeviceCMYK


def _picture(pdf, image, inks: Inks) -> None:
    """An RGB (or indexed RGB) picture → CMYK by the profile, within the ink limit; JPEGs stay JPEGs."""
    found = _what(image, inks)
    if found is None:
        return
    key, icc, was_jpeg = found
    data = inks.memo.get(key)
    if isinstance(data, _Pending):  # being converted in another process: written when it is back
        data.images.append((image, was_jpeg))
        return
    if data is None:
        data = inks.memo[key] = _stored(key, inks) or _kept(key, pikepdf.PdfImage(image).as_pil_image(),
                                                              inks, icc, was_jpeg)
    _write(image, data, was_jpeg)


def _write(image, data: bytes, was_jpeg: bool) -> None:
    for name in ("/Decode", "/DecodeParms", "/Intent"):
        if name in image:
            del image[name]
    if was_jpeg:
        image.write(data, filter=Name.DCTDecode)
        # Pillow writes Adobe's inverted CMYK JPEG: the decode array turns it the right way round
        image.Decode = Array([1, 0, 1, 0, 1, 0, 1, 0])
    else:
        image.write(data)  # compressed on saving
    image.ColorSpace = Name.DeviceCMYK
    image.BitsPerComponent = 8


def _what(image, inks: Inks) -> tuple[str, bytes | None, bool] | None:
    """A picture to convert → (the digest of all it is converted from, its ICC profile, whether it is a
    JPEG); None for one that stays as it is (a mask, grey, already CMYK)."""
    kind = space_kind(image.get("/ColorSpace"))
    if image.get("/ImageMask") or kind not in ("rgb", "indexed:rgb"):  # WeasyPrint writes no Lab pictures
        return None
    space = image.get("/ColorSpace")
    icc = bytes(space[1].read_bytes()) if isinstance(space, Array) and str(space[0]) == "/ICCBased" else None
    was_jpeg = "/DCTDecode" in str(image.get("/Filter", ""))
    # the same picture in several parts, or in the last build: converted once
    key = hashlib.sha256(b"\0".join([bytes(image.read_raw_bytes()), icc or b"-", b"jpeg" if was_jpeg else b"raw",
                                      repr((kind, inks.ink_limit, JPEG_QUALITY, CONVERSION)).encode(),
                                      inks.profile])).hexdigest()
    return key, icc, was_jpeg


def _stored(key: str, inks: Inks) -> bytes | None:
    return inks.store.get(key) if inks.store is not None else None


def _kept(key: str, picture, inks: Inks, icc: bytes | None, as_jpeg: bool) -> bytes:
    """The picture converted, and kept in the store for the next build."""
    data = _converted(picture, inks, icc, as_jpeg)
    if inks.store is not None:
        inks.store.put(key, data)
    return data


class _Pending:
    """A picture being converted in another process, and the images to rewrite with it once it is back."""

    def __init__(self) -> None:
        self.images: list = []


@contextlib.contextmanager
def _converting(pdf, inks: Inks):
    """The PDF's JPEG pictures, converted in two forked processes while the pages' colours are rewritten here.

    Each is a _Pending in `inks.memo` meanwhile: the walk notes where it is shown, and it is written there
    when the processes are back. Threads would not do: the rewriting holds the GIL, and the conversion
    needs it between littleCMS, numpy and Pillow's calls. Other pictures (pikepdf decodes them) are converted
    where the walk finds them. Without a second core, or if a process fails, the pictures are converted here.
    """
    from publish import forkpool

    jobs = []  # (key, object id, ICC profile, pixels)
    keys: set[str] = set()  # every picture's, converted here, in the store or in the memo
    for image in pdf.objects:
        if not isinstance(image, pikepdf.Stream) or image.get("/Subtype") != "/Image":
            continue
        found = _what(image, inks)
        if found is None:
            continue
        keys.add(found[0])
        if not found[2] or found[0] in inks.memo:
            continue
        key, icc, _ = found
        inks.memo[key] = _stored(key, inks)
        if inks.memo[key] is None:
            inks.memo[key] = _Pending()
            inks.table(icc)  # built once, here, for the processes to share
            jobs.append((key, image.objgen, icc, int(image.get("/Width", 1)) * int(image.get("/Height", 1))))
    waits = []
    if jobs and forkpool.can_begin():
        for share in _shares(jobs, 2):
            waits.append(forkpool.begin(lambda share=share: _convert_share(pdf, inks, share),
                                        lambda index, why: None))
    converted: dict[str, bytes] = {}
    try:
        yield keys
    finally:  # a walk that failed, or a wait cut short, still waits for every process: none is left running
        cut_short = None
        for wait in waits:
            try:
                got = wait()
            except BaseException as exc:  # noqa: BLE001 - raised once the others are waited for
                cut_short, got = cut_short or exc, None
            converted.update(got if isinstance(got, dict) else {})
        if cut_short is not None:
            raise cut_short
    for key, objgen, icc, _ in jobs:
        data = converted.get(key) or _converted(pikepdf.PdfImage(pdf.get_object(objgen)).as_pil_image(),
                                                inks, icc, True)
        if inks.store is not None:
            inks.store.put(key, data)
        pending, inks.memo[key] = inks.memo[key], data
        for image, was_jpeg in pending.images:
            _write(image, data, was_jpeg)


def _shares(jobs: list, count: int) -> list[list]:
    """The jobs in `count` shares of nearly equal pixels, the largest first."""
    shares: list[list] = [[] for _ in range(count)]
    sizes = [0] * count
    for job in sorted(jobs, key=lambda job: -job[3]):
        lightest = sizes.index(min(sizes))
        shares[lightest].append(job)
        sizes[lightest] += job[3]
    return [share for share in shares if share]


def _convert_share(pdf, inks: Inks, share: list) -> dict[str, bytes]:
    """In a forked process: its share of the pictures, converted (the PDF is this process's own copy)."""
    return {key: _converted(pikepdf.PdfImage(pdf.get_object(objgen)).as_pil_image(), inks, icc, True)
            for key, objgen, icc, _ in share}


def _converted(picture, inks: Inks, icc: bytes | None, as_jpeg: bool) -> bytes:
    """A picture (PIL) → its CMYK pixels: a JPEG's bytes, or raw samples."""
    converted = inks.picture(picture, icc)
    if not as_jpeg:
        return converted.tobytes()
    data = io.BytesIO()
    # with libjpeg's standard Huffman tables: optimised ones save 11 % of the bytes (the same pixels) but
    # take three times as long to write, two thirds of a picture's conversion
    converted.save(data, "JPEG", quality=JPEG_QUALITY, optimize=False)
    return data.getvalue()


def _group_to_cmyk(holder) -> None:
    """A transparency group blends in the output's colour space: DeviceCMYK, not RGB."""
    group = holder.get("/Group")
    if isinstance(group, Dictionary) and space_kind(group.get("/CS")) in ("rgb", "lab"):
        group.CS = Name.DeviceCMYK


def _output_intent(pdf, inks: Inks) -> None:
    """The PDF/X output intent: the printer's CMYK profile and condition."""
    profile = pdf.make_stream(inks.profile)
    profile.N = 4
    intent = Dictionary(Type=Name.OutputIntent, S=Name.GTS_PDFX,
                        OutputConditionIdentifier=pikepdf.String(inks.condition or inks.description),
                        OutputCondition=pikepdf.String(inks.condition or inks.description),
                        Info=pikepdf.String(inks.description),
                        DestOutputProfile=profile)
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])
