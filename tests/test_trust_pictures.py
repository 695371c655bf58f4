"""Pictures every output publishes: no metadata, upright, SVGs that only draw, confined references, bounded cost."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from conftest import ISSUE_TOML, JOIN, PUBLICATION_TOML, REVIEW, STRIKE, invoke_at, picture, write
from PIL import Image, ImageCms, PngImagePlugin
from pypdf import PdfReader
from pypdf.generic import IndirectObject, StreamObject

from publish.picture_clean import publishable
from publish.svg_clean import clean_svg

EPOCH = "1606867200"
# what a reporter's phone writes into a photo, and must never be published
SECRETS = (b"Jane Secret Artist", b"SERIAL-7731", b"Standing outside the depot", b"GPSLatitude", b"Exif\x00\x00",
           b"PHONE-COMMENT", b"Private chunk", b"png-author-name")
GPS = 0x8825


def exif_photo(path: Path, size=(1200, 800), orientation=6) -> Path:
    """A JPEG as a phone saves it: EXIF with GPS, artist, serial, description, orientation; XMP; a comment; ICC."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, "#c33")
    image.paste((20, 40, 200), (0, 0, size[0] // 4, size[1]))  # a blue band on the left, before turning
    exif = Image.Exif()
    exif[0x013B] = "Jane Secret Artist"
    exif[0x010E] = "Standing outside the depot"
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0xA431] = "SERIAL-7731"
    exif.get_ifd(GPS).update({1: "N", 2: (51.0, 35.0, 12.5), 3: "W", 4: (3.0, 0.0, 1.0)})
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description exif:GPSLatitude="51,35.2N"/>'
           b"</rdf:RDF></x:xmpmeta>")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image.save(path, "JPEG", exif=exif, xmp=xmp, comment=b"PHONE-COMMENT", icc_profile=icc, quality=90)
    with open(path, "ab") as handle:
        handle.write(b"GPSLatitude trailing data after the end of the image")
    return path


def tagged_png(path: Path, size=(60, 40)) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "png-author-name")
    info.add_itxt("Comment", "Private chunk", zip=True)
    Image.new("RGBA", size, (0, 0, 0, 0)).save(path, "PNG", pnginfo=info)
    data = path.read_bytes()
    # a private ancillary chunk Pillow does not even show, before IEND
    import zlib

    body = b"Private chunk GPSLatitude"
    chunk = len(body).to_bytes(4, "big") + b"prVt" + body + zlib.crc32(b"prVt" + body).to_bytes(4, "big")
    path.write_bytes(data[:-12] + chunk + data[-12:])
    return path


EVIL_SVG = """\
<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="100"
     onload="alert(1)">
  <style>@\\69mport url(http://evil.example/a.css); rect {{ fill: \\75 rl(http://evil.example/x) }}
  circle {{ fill: image-set("http://evil.example/i.png" 1x) }} .ok {{ stroke: #123456 }}</style>
  <script>alert('x')</script>
  <rect class="ok" width="50" height="50" style="fill:\\75 rl(http://evil.example/y);stroke:green"/>
  <a xlink:href="javascript:alert(1)"><text y="90">Hi</text></a>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">html</div></foreignObject>
  <image href="{other}" width="20" height="20"/>
  <image href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==" width="20" height="20"/>
  <image href="http://evil.example/p.png" width="20" height="20"/>
  <image href="/etc/hostname" width="20" height="20"/>
  <image xlink:href="inside.jpg" x="100" width="40" height="40"/>
</svg>
"""
STRIKE_WITH_PICTURES = STRIKE.replace("## Pay", "![A chart](images/chart.svg \"The chart\")\n\n"
                                      "![A phone](images/phone.png)\n\n## Pay")


def make_publication(root: Path) -> Path:
    write(root / "publication.toml", PUBLICATION_TOML)
    write(root / "pages/join.md", JOIN)
    for number in (1112, 1113):
        write(root / f"issues/{number}/issue.toml", ISSUE_TOML.format(number=number))
        write(root / f"issues/{number}/02-dilemma.md", REVIEW)
    write(root / "issues/1113/01-strike.md", STRIKE)
    picture(root / "issues/1113/images/picket.jpg")
    picture(root / "issues/1113/images/secret.jpg", size=(321, 123))  # 1113's unpublished picture
    write(root / "issues/1112/01-strike.md", STRIKE_WITH_PICTURES)
    exif_photo(root / "issues/1112/images/picket.jpg")
    exif_photo(root / "issues/1112/images/inside.jpg", size=(90, 60), orientation=1)
    tagged_png(root / "issues/1112/images/phone.png")
    (root / "issues/1112/images/chart.svg").write_text(EVIL_SVG.format(other="../../1113/images/secret.jpg"))
    return root


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    root = make_publication(tmp_path_factory.mktemp("pictures") / "pub")
    result = invoke_at(EPOCH, root, "build", "1112", "--format", "epub,pdf,print")
    assert result.exit_code == 0, result.output
    return root


def pdf_streams(path: Path) -> list[StreamObject]:
    """Every stream of a PDF (pictures, forms, fonts, metadata)."""
    reader = PdfReader(path)
    streams = []
    for number in range(1, int(reader.trailer["/Size"])):
        try:
            found = reader.get_object(IndirectObject(number, 0, reader))
        except Exception:  # a free object number
            continue
        if isinstance(found, StreamObject):
            streams.append(found)
    return streams


def pdf_pictures(path: Path) -> list[tuple[int, int]]:
    return [(int(s["/Width"]), int(s["/Height"])) for s in pdf_streams(path) if s.get("/Subtype") == "/Image"]


def outputs(root: Path) -> dict[str, list[bytes]]:
    """Each output's bytes as they can be searched: the EPUB's members, each PDF's decoded streams."""
    dist = root / "dist/1112"
    with zipfile.ZipFile(dist / "weekly-worker-1112.epub") as epub:
        found = {"epub": [epub.read(name) for name in epub.namelist()]}
    for name in ("weekly-worker-1112.pdf", "weekly-worker-1112-print.pdf"):
        found[name] = [(dist / name).read_bytes()] + [s.get_data() for s in pdf_streams(dist / name)]
    return found


def test_no_metadata_reaches_the_epub_or_either_pdf(built):
    for output, blobs in outputs(built).items():
        for secret in SECRETS:
            assert not any(secret in blob for blob in blobs), (output, secret)


def test_photos_are_turned_upright_in_every_output(built):
    with zipfile.ZipFile(built / "dist/1112/weekly-worker-1112.epub") as epub:
        with Image.open(io.BytesIO(epub.read("EPUB/images/picket.jpg"))) as photo:
            assert photo.size == (800, 1200)
            assert photo.getpixel((400, 20))[2] > 150  # the blue band, once on the left, is now on top
    for name in ("weekly-worker-1112.pdf", "weekly-worker-1112-print.pdf"):
        sizes = pdf_pictures(built / "dist/1112" / name)
        # the screen PDF downsamples: the photo is there, portrait, at its own proportions
        photos = [(w, h) for w, h in sizes if max(w, h) > 300]
        assert photos and all(h > w for w, h in photos), (name, sizes)
        assert any(abs(h / w - 1.5) < 0.01 for w, h in photos), (name, sizes)


def test_publishable_keeps_the_icc_profile_and_is_deterministic(tmp_path):
    photo = exif_photo(tmp_path / "a.jpg", orientation=1)
    data, ext = publishable(photo, "jpeg")
    assert ext == ".jpg" and data == publishable(photo, "jpeg")[0]
    with Image.open(io.BytesIO(data)) as clean, Image.open(photo) as source:
        assert clean.info.get("icc_profile") == source.info["icc_profile"]
        assert not clean.getexif() and "comment" not in clean.info and "xmp" not in clean.info
        assert clean.tobytes() == source.tobytes()  # stripped without re-encoding
    turned, _ = publishable(exif_photo(tmp_path / "b.jpg"), "jpeg")
    with Image.open(io.BytesIO(turned)) as clean:
        assert clean.size == (800, 1200) and clean.info.get("icc_profile") and not clean.getexif()
    png, ext = publishable(tagged_png(tmp_path / "c.png"), "png")
    assert ext == ".png" and not any(secret in png for secret in SECRETS)
    with Image.open(io.BytesIO(png)) as clean:
        assert clean.size == (60, 40) and clean.getpixel((1, 1))[3] == 0


def test_an_svg_named_html_is_published_as_svg(tmp_path):
    page = write(tmp_path / "issues/1/images/chart.html", EVIL_SVG.format(other="x.jpg"))
    data, ext = publishable(page, "svg")
    assert ext == ".svg" and b"<script" not in data and b"onload" not in data
