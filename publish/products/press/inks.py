"""RGB colours and pictures → CMYK for the printer's profile: black-only greys and text, within the ink limit.

Pictures and colours are converted with Pillow's ImageCms (littleCMS), relative
colorimetric with black-point compensation. Greys, rules and text go to black
ink alone: a press that separates black text into four inks prints it fuzzy.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from functools import cached_property

JPEG_HEADROOM = 3  # percent
JPEG_QUALITY = 92  # the press's JPEG pictures, written again in CMYK
GRID = 33  # points a side of the pictures' conversion table (Inks.table)
INTERPOLATION = 2  # levels the table's interpolation may add to a pixel's total ink: kept under the limit too
Colour = tuple[float, float, float, float]  # C, M, Y, K from 0 to 1


def _conversion() -> str:
    """What a kept conversion also depends on: this code's version of it, Pillow's and littleCMS's."""
    import PIL
    from PIL import ImageCms

    return f"2 {PIL.__version__} {getattr(ImageCms.core, 'littlecms_version', '?')} {JPEG_HEADROOM}"


CONVERSION = _conversion()  # bump its first figure when this module converts pictures differently


# (the printer's profile's digest, a picture's own profile or None[, the ink limit]) → its transform [its
# table]: built once in a process, and inherited by the processes it forks (a zygote builds the
# publication's own ahead: pipeline.spare)
_BUILT: dict = {}


@dataclass
class Inks:
    """The printer's profile (ICC bytes), its condition name, the ink limit and the layout's own CMYK colours."""

    profile: bytes
    condition: str
    description: str
    ink_limit: int = 240
    layout_colours: dict[str, Colour] = field(default_factory=dict)  # "#c8102e" → CMYK
    _cache: dict = field(default_factory=dict, repr=False)
    memo: dict = field(default_factory=dict, repr=False)  # pictures already converted in this PDF
    # where converted pictures are kept between builds (.store.PictureStore), if anywhere
    store: object | None = field(default=None, repr=False)

    def __getstate__(self) -> dict:
        """Pickled (for a process forked before it, publish.ahead) without littleCMS's transforms, which do not
        pickle: it builds its own on first use."""
        state = dict(self.__dict__)
        state.pop("_transforms", None)
        state["_cache"] = {key: value for key, value in self._cache.items() if key[0] not in ("transform", "table")}
        state["memo"] = {}
        return state

    def identity(self) -> str:
        """What a separation is made with besides the PDF: the profile, its names, the ink limit, the layout's
        own CMYK colours and the conversion's version (a part kept separated with other inks is another)."""
        digest = hashlib.sha256(self.profile)
        digest.update(repr((self.condition, self.description, self.ink_limit, sorted(self.layout_colours.items()),
                            JPEG_QUALITY, CONVERSION)).encode())
        return digest.hexdigest()

    def warm(self) -> None:
        """Make here what converting pictures needs (the sRGB pictures' table), once, for the processes
        forked afterwards."""
        self.table()

    @cached_property
    def _transforms(self):
        from PIL import ImageCms

        srgb = ImageCms.createProfile("sRGB")
        cmyk = ImageCms.ImageCmsProfile(io.BytesIO(self.profile))
        return srgb, cmyk

    def transform(self, source_icc: bytes | None = None):
        """An RGB → CMYK transform, from sRGB or the picture's own profile (taken as sRGB where littleCMS
        cannot use it)."""
        from PIL import ImageCms

        key = ("transform", source_icc)
        if key not in self._cache:
            built = (hashlib.sha256(self.profile).digest(), source_icc)
            if built not in _BUILT:
                srgb, cmyk = self._transforms
                try:
                    source = ImageCms.ImageCmsProfile(io.BytesIO(source_icc)) if source_icc else srgb
                    _BUILT[built] = self._build(source, cmyk)
                except (OSError, ImageCms.PyCMSError):
                    if not source_icc:  # the printer's profile itself: press_inks has said which (setup._usable)
                        raise
                    _BUILT[built] = self.transform()  # a picture's own profile littleCMS cannot use: as sRGB
            self._cache[key] = _BUILT[built]
        return self._cache[key]

    @staticmethod
    def _build(source, cmyk):
        from PIL import ImageCms

        return ImageCms.buildTransform(source, cmyk, "RGB", "CMYK",
                                       renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                                       flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)

    def colour(self, rgb: tuple[float, float, float], text: bool = False) -> Colour:
        """One RGB colour (0–1) as CMYK: greys and all text in black ink only, others by the profile."""
        r, g, b = (min(1.0, max(0.0, float(v))) for v in rgb)
        grey = abs(r - g) < 0.004 and abs(g - b) < 0.004
        if grey:
            return (0.0, 0.0, 0.0, round(1.0 - (r + g + b) / 3, 4))
        if text:  # coloured type prints solid black: a tint of four inks would not register
            return (0.0, 0.0, 0.0, 1.0)
        hexa = "#%02x%02x%02x" % tuple(round(v * 255) for v in (r, g, b))
        if hexa in self.layout_colours:
            return self.layout_colours[hexa]
        if hexa not in self._cache:
            from PIL import Image, ImageCms

            pixel = Image.new("RGB", (1, 1), tuple(round(v * 255) for v in (r, g, b)))
            converted = self.limit(ImageCms.applyTransform(pixel, self.transform()))
            self._cache[hexa] = tuple(round(v / 255, 4) for v in converted.getpixel((0, 0)))
        return self._cache[hexa]

    def picture(self, image, source_icc: bytes | None = None):
        """A PIL picture (RGB, RGBA, P, L…) → CMYK within the ink limit, through its table."""
        if image.mode != "RGB":
            image = image.convert("RGB")
        return image.filter(self.table(source_icc))

    def table(self, source_icc: bytes | None = None):
        """The conversion of pictures from sRGB (or `source_icc`) as one table: Pillow's Color3DLUT, GRID
        points a side, each the transform's colour within the ink limit. A picture then goes through one
        pass of trilinear interpolation in C, 35 % faster than littleCMS and the limit on each pixel, and
        within four levels of 255 of what they make, 0.3 on average (littleCMS's own 8-bit grid is five
        levels from its high-resolution one)."""
        key = ("table", source_icc)
        if key not in self._cache:
            built = (hashlib.sha256(self.profile).digest(), source_icc, self.ink_limit)
            if built not in _BUILT:
                _BUILT[built] = self._tabled(self.transform(source_icc))
            self._cache[key] = _BUILT[built]
        return self._cache[key]

    def _tabled(self, transform):
        import numpy
        from PIL import Image, ImageCms, ImageFilter

        levels = numpy.linspace(0, 255, GRID).round().astype(numpy.uint8)
        blue, green, red = numpy.meshgrid(levels, levels, levels, indexing="ij")  # red varies fastest
        grid = Image.fromarray(numpy.stack([red.ravel(), green.ravel(), blue.ravel()], axis=1)[None], "RGB")
        cmyk = self.limit(ImageCms.applyTransform(grid, transform), below=INTERPOLATION)
        return ImageFilter.Color3DLUT(GRID, numpy.asarray(cmyk, dtype=numpy.float32).reshape(-1) / 255,
                                      channels=4, target_mode="CMYK")

    def limit(self, image, below: int = 0):
        """Cut cyan, magenta and yellow where C+M+Y+K passes the ink limit, less `below` levels (black, which
        carries detail, stays)."""
        import numpy
        from PIL import Image

        pixels = numpy.asarray(image)
        # a little under the limit: JPEG compression moves pixels by a few levels either way
        budget = int((self.ink_limit - JPEG_HEADROOM) / 100 * 255) - below
        # four adds of two channels each: a sum along the short last axis takes four times as long
        total = numpy.add(numpy.add(pixels[..., 0], pixels[..., 1], dtype=numpy.uint16),
                          numpy.add(pixels[..., 2], pixels[..., 3], dtype=numpy.uint16))
        over = total > budget
        if not over.any():
            return image
        pixels = pixels.copy()
        heavy = pixels[over].astype(numpy.float32)
        room = numpy.clip(budget - heavy[:, 3], 0, None)
        heavy[:, :3] *= (room / numpy.maximum(heavy[:, :3].sum(axis=1), 1e-6))[:, None]
        pixels[over] = numpy.floor(heavy).astype(numpy.uint8)  # floor: rounding up could pass the limit again
        return Image.fromarray(pixels, "CMYK")
