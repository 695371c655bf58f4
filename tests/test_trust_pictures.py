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
from helpers import ISSUE_TOML, JOIN, PUBLICATION_TOML, REVIEW, STRIKE, invoke_at, picture, write
from PIL import Image, ImageCms, PngImagePlugin, TiffImagePlugin
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
                                      "![A phone](images/phone.png)\n\n![A scan](images/scan.png)\n\n## Pay")


def grey16_png(path: Path, size=(300, 200)) -> Path:
    """A 16-bit greyscale PNG (a scanner's): black at the top to white at the foot."""
    import numpy

    rows = numpy.linspace(0, 65535, size[1]).astype(numpy.uint16)
    Image.fromarray(numpy.repeat(rows[:, None], size[0], axis=1)).save(path)
    with Image.open(path) as check:
        assert check.mode == "I;16"
    return path


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
    grey16_png(root / "issues/1112/images/scan.png")
    exif_photo(root / "issues/1112/images/front.jpg", size=(800, 1200), orientation=1)  # a finished front page
    issue = root / "issues/1112/issue.toml"
    issue.write_text(issue.read_text() + 'cover-image = "images/front.jpg"\n')
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


def test_a_16_bit_grey_png_is_embedded_in_8_bits_with_its_tones(built):
    for name in ("weekly-worker-1112.pdf", "weekly-worker-1112-print.pdf"):
        scans = [s for s in pdf_streams(built / "dist/1112" / name)
                 if s.get("/Subtype") == "/Image" and s.get("/ColorSpace") == "/DeviceGray"
                 and int(s["/Width"]) * 2 == int(s["/Height"]) * 3 and int(s["/Width"]) > 100]
        assert len(scans) == 1 and scans[0]["/BitsPerComponent"] == 8, name
        width, height = int(scans[0]["/Width"]), int(scans[0]["/Height"])
        samples = scans[0].get_data()
        assert len(samples) == width * height, name
        top, foot = samples[width // 2], samples[(height - 1) * width + width // 2]
        assert top < 10 and foot > 245, (name, top, foot)  # black to white, not clipped to white


def test_eight_bit_keeps_a_see_through_grey_see_through():
    import numpy

    from publish.raster_clean import eight_bit

    data = io.BytesIO()
    Image.fromarray(numpy.array([[0, 30000], [65535, 30000]], dtype=numpy.uint16)).save(data, "PNG",
                                                                                       transparency=30000)
    with Image.open(io.BytesIO(eight_bit(data.getvalue(), "png"))) as out:
        assert out.mode == "LA"
        assert out.getpixel((0, 0)) == (0, 255) and out.getpixel((1, 0))[1] == 0 and out.getpixel((0, 1)) == (255, 255)
    jpeg = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(jpeg, "JPEG")
    assert eight_bit(jpeg.getvalue(), "jpeg") == jpeg.getvalue()


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


def test_the_fetcher_keeps_refusals_weasyprint_would_swallow(tmp_path):
    from publish.products.print_layout.fetch import ConfinedFetcher, Refused

    fetcher = ConfinedFetcher(tmp_path)
    for url in ("data:text/html;base64,PHNjcmlwdD4=", (tmp_path.parent / "x.jpg").as_uri()):
        with pytest.raises(Refused):
            fetcher.fetch(url)
    assert [refusal.url[:9] for refusal in fetcher.refused] == ["data:text", "file:///t"]


# --- SVG references and hostile SVGs ---------------------------------------------------------------


def test_an_svg_cannot_pull_another_issues_picture_into_the_pdf(built):
    for name in ("weekly-worker-1112.pdf", "weekly-worker-1112-print.pdf"):
        sizes = pdf_pictures(built / "dist/1112" / name)
        assert not any(abs(w / h - 321 / 123) < 0.02 for w, h in sizes), (name, sizes)
        # the picture inside the SVG's own folder is kept (inlined, cleaned)
        assert any(abs(w / h - 1.5) < 0.03 and max(w, h) < 100 for w, h in sizes), (name, sizes)


def test_check_warns_about_references_the_sanitiser_removes(tmp_path, run):
    root = make_publication(tmp_path / "pub")
    result = run(root, "check", "1112")
    assert result.exit_code == 0, result.output
    for gone in ("../../1113/images/secret.jpg", "http://evil.example/p.png", "/etc/hostname", "data:text/html"):
        assert any("images/chart.svg" in line and gone in line and "issues/1112/01-strike.md:" in line
                   for line in result.output.splitlines()), (gone, result.output)
    assert "inside.jpg" not in result.output


HOSTILE = [
    ("script", '<script>alert("x")</script>', [b"<script", b"alert"]),
    ("event handler", '<rect width="5" height="5" onclick="alert(1)"/>', [b"onclick", b"alert"]),
    ("foreignObject", '<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>',
     [b"foreignObject", b"xhtml"]),
    ("javascript href", '<a href="javascript:alert(1)"><text>x</text></a>', [b"javascript", b"alert"]),
    ("javascript with entities", '<a href="jav&#x09;ascript:alert(1)"><text>x</text></a>', [b"ascript", b"alert"]),
    ("escaped import", "<style>@\\69mport url(http://e.example/a.css);</style>", [b"e.example", b"mport"]),
    ("escaped url", "<style>rect { fill: \\75 rl(http://e.example/x) }</style>", [b"e.example"]),
    ("escaped url in style", '<rect style="fill:\\75 rl(http://e.example/y)"/>', [b"e.example"]),
    ("escaped url in attribute", '<rect fill="\\75 rl(http://e.example/z)"/>', [b"e.example"]),
    ("image-set", '<rect style="fill: image-set(\'http://e.example/i.png\' 1x)"/>', [b"e.example"]),
    ("font-face", "<style>@font-face { font-family: x; src: url(http://e.example/f.woff) }</style>",
     [b"e.example", b"font-face"]),
    ("animated link", '<a href="#a"><set attributeName="href" to="javascript:alert(1)"/></a>',
     [b"javascript", b"<set"]),
    ("xml:base", '<g xml:base="file:///etc/"><use href="#a"/></g>', [b"xml:base", b"/etc/"]),
    ("external use", '<use href="other.svg#a"/>', [b"other.svg"]),
    ("feImage", '<filter id="f"><feImage href="http://e.example/f.png"/></filter>', [b"e.example"]),
    ("html data", '<image href="data:text/html;base64,PHNjcmlwdD4="/>', [b"text/html"]),
    ("svg data", '<image href="data:image/svg+xml;base64,PHN2Zz4="/>', [b"svg+xml"]),
    ("absolute path", '<image href="file:///etc/hostname"/>', [b"/etc/hostname"]),
    ("network", '<image href="https://e.example/p.png"/>', [b"e.example"]),
    ("metadata", "<metadata><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>Jane Secret Artist"
     "</rdf:RDF></metadata>", [b"Jane Secret", b"metadata"]),
]


@pytest.mark.parametrize("case, inner, absent", HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_svg_is_defused(tmp_path, case, inner, absent):
    svg = tmp_path / "issues/1/images/x.svg"
    write(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><g id="a"/>'
          f'<rect width="1" height="1" style="fill:#ff0000;stroke:blue"/>{inner}</svg>')
    data, removed = clean_svg(svg.read_bytes(), svg, svg.parent.parent)
    for bad in absent:
        assert bad not in data, (bad, data)
    assert b"fill:#ff0000;stroke:blue" in data  # drawing styles survive


def test_external_entities_are_never_read(tmp_path):
    svg = tmp_path / "x.svg"
    svg.write_text('<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
                   '<svg xmlns="http://www.w3.org/2000/svg"><text>&e;</text></svg>')
    data, _ = clean_svg(svg.read_bytes(), svg, tmp_path)
    assert b"root:" not in data and b"ENTITY" not in data and b"passwd" not in data


# --- where a picture may come from, and what a wrong name is told ---------------------------------


def test_hard_links_are_refused_and_symlinks_out_still_are(pub, run, tmp_path):
    outside = picture(tmp_path / "elsewhere/private.jpg")
    os.link(outside, pub / "issues/1112/images/linked.jpg")
    (pub / "issues/1112/images/sym.jpg").symlink_to(outside)
    article = pub / "issues/1112/01-strike.md"
    article.write_text(article.read_text().replace("## Pay", "![a](images/linked.jpg)\n\n![b](images/sym.jpg)\n\n"
                                                   "## Pay"))
    result = run(pub, "check", "1112")
    assert result.exit_code == 1
    assert "issues/1112/01-strike.md:" in result.output
    assert "'images/linked.jpg' is a hard link" in result.output
    assert "'images/sym.jpg' leads outside" in result.output


@pytest.mark.parametrize("written, hint", [
    ("images/megafone.png", "did you mean 'images/megaphone.png'?"),
    ("images/Grantham-March.JPG", "did you mean 'images/grantham-march.jpg'?"),
    ("images/picket.jgp", "did you mean 'images/picket.jpg'?"),
])
def test_picture_typos_get_a_hint(pub, run, written, hint):
    picture(pub / "issues/1112/images/megaphone.png", size=(20, 20), fmt="PNG")
    picture(pub / "issues/1112/images/grantham-march.jpg", size=(20, 20))
    article = pub / "issues/1112/01-strike.md"
    article.write_text(article.read_text().replace("## Pay", f"![x]({written})\n\n## Pay"))
    result = run(pub, "check", "1112")
    assert result.exit_code == 1
    assert f"picture {written!r} does not exist" in result.output and hint in result.output, result.output


def test_pictures_with_spaces_and_accents_are_found(pub, run):
    picture(pub / "issues/1112/images/café.jpg", size=(20, 20))
    picture(pub / "issues/1112/images/my photo.jpg", size=(20, 20))
    article = pub / "issues/1112/01-strike.md"
    article.write_text(article.read_text().replace(
        "## Pay", "![a](images/café.jpg)\n\n![b](<images/my photo.jpg>)\n\n![c](images/my%20photo.jpg)\n\n## Pay"))
    result = run(pub, "check", "1112")
    assert result.exit_code == 0, result.output
    assert "does not exist" not in result.output


@pytest.mark.parametrize("where, text", [
    ("cover", 'cover-image = "images/a\\u0000.jpg"\n'),
    ("front matter", None),
    ("body", "![x](images/a%00.jpg)"),
])
def test_a_nul_in_a_picture_path_is_a_located_error(pub, run, where, text):
    article = pub / "issues/1112/01-strike.md"
    if where == "cover":
        issue = pub / "issues/1112/issue.toml"
        issue.write_text(issue.read_text() + text)
    elif where == "front matter":
        article.write_text(article.read_text().replace("src: images/picket.jpg", 'src: "images/pi\\0cket.jpg"'))
    else:
        article.write_text(article.read_text().replace("## Pay", f"{text}\n\n## Pay"))
    result = run(pub, "check", "1112")
    assert result.exit_code == 1
    assert "embedded null byte" not in result.output and "internal error" not in result.output
    assert ("issues/1112/issue.toml:" if where == "cover" else "issues/1112/01-strike.md:") in result.output


# --- cost -----------------------------------------------------------------------------------------

MEASURE = textwrap.dedent("""\
    import sys
    from pathlib import Path
    from publish.pictures import check_picture
    path = Path(sys.argv[1])
    _, problems = check_picture(path.name, alt="x", base=path.parent, root=path.parent,
                                source=path.parent / "a.md", line=1)
    # VmHWM, not getrusage: ru_maxrss carries the parent's peak across fork and exec
    status = Path("/proc/self/status").read_text()
    print(int(status.split("VmHWM:")[1].split()[0]) // 1024)
    print("|".join(p.message for p in problems))
""")


def peak_check(path: Path) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True)
    megabytes, messages = done.stdout.split("\n", 1)
    return int(megabytes), messages.strip()


@pytest.fixture(scope="session")
def big_pngs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("big")
    Image.new("RGBA", (9400, 9400), (0, 0, 0, 0)).save(folder / "blank.png")
    Image.new("RGBA", (6000, 6000), (0, 0, 0, 0)).save(folder / "large.png")
    data = (folder / "large.png").read_bytes()
    (folder / "cut.png").write_bytes(data[:len(data) // 2] + data[-12:])
    return folder


def test_checking_a_huge_blank_png_takes_little_memory(big_pngs):
    megabytes, messages = peak_check(big_pngs / "blank.png")
    assert megabytes < 200, megabytes  # decoding it took 360 MB just to check it (and gigabytes to build)
    assert "9400 × 9400 pixels, over the 40 MP limit" in messages


def test_a_large_png_is_verified_in_full_without_holding_its_raster(big_pngs):
    megabytes, messages = peak_check(big_pngs / "large.png")
    assert megabytes < 100 and messages == "", (megabytes, messages)
    megabytes, messages = peak_check(big_pngs / "cut.png")
    assert "is damaged or truncated" in messages


# --- found in review: roots that are not SVG, odd orientations, reserved names ----------------------------------


XHTML_ROOT = ('<svg xmlns="http://www.w3.org/1999/xhtml" tabindex="1" autofocus="" '
              'onfocus="alert(document.domain)" onmouseover="alert(1)"><p>hi</p></svg>')


def test_an_svg_whose_root_is_not_an_svg_element_is_refused(pub, run, tmp_path):
    """An XHTML-namespace <svg> root in an .svg file is an HTML page: its handlers would run on the site."""
    evil = pub / "issues/1112/images/evil.svg"
    evil.write_text(XHTML_ROOT, encoding="utf-8")
    with pytest.raises(Exception) as refused:
        clean_svg(XHTML_ROOT.encode(), evil, pub / "issues/1112")
    assert "not an SVG <svg>" in str(refused.value)
    article = pub / "issues/1112/01-strike.md"
    article.write_text(article.read_text().replace("## Pay", "![chart](images/evil.svg)\n\n## Pay"))
    result = run(pub, "check", "1112")
    assert result.exit_code == 1 and "issues/1112/01-strike.md:" in result.output
    assert "is XML but not SVG" in result.output
    assert run(pub, "build", "1112", "--format", "site").exit_code == 1
    assert not list((pub / "dist").rglob("evil*"))


@pytest.mark.parametrize("orientation", ["abc", 0, 99, -3])
def test_an_odd_exif_orientation_is_read_as_upright(tmp_path, orientation):
    path = tmp_path / "issues/1112/images/odd.jpg"
    path.parent.mkdir(parents=True)
    ifd = TiffImagePlugin.ImageFileDirectory_v2(prefix=b"MM")  # written by hand: Pillow's Exif() types tags
    ifd[0x0112] = orientation
    ifd.tagtype[0x0112] = 2 if isinstance(orientation, str) else 8  # ASCII, or a signed short
    ifd[0x013B] = "Jane Secret Artist"
    raw = io.BytesIO()
    ifd.save(raw)
    Image.new("RGB", (40, 20), "#c33").save(path, "JPEG", exif=b"Exif\x00\x00" + raw.getvalue())
    assert Image.open(path).getexif().get(0x0112) == orientation
    data, extension = publishable(path, "jpeg")
    assert extension == ".jpg" and b"Jane Secret" not in data
    assert Image.open(io.BytesIO(data)).size == (40, 20)


def test_a_source_named_like_a_temporary_file_is_refused(pub, run):
    picture(pub / "issues/1112/images/.~publish-tmp~photo.jpg", size=(20, 20))
    result = run(pub, "check", "1112")
    assert result.exit_code == 1
    assert ".~publish-tmp~photo.jpg: the file name starts with '.~publish-tmp~'" in result.output


def test_a_picture_decoded_whole_before_is_not_decoded_again_and_a_spoiled_one_always_is(pub, run, monkeypatch):
    # decoding every picture was a third of reading an issue; the bytes that passed are known by their digest,
    # so a picture replaced by a damaged one (whatever its name, size or time) is decoded, and refused, again
    import json

    from publish import pictures

    photo = pub / "issues/1112/images/picket.jpg"
    monkeypatch.setattr(pictures, "_memos", {})
    assert run(pub, "check", "1112").exit_code == 0
    assert not (pub / ".publish-cache").exists()  # `publish check` alone writes nothing
    assert run(pub, "build", "1112", "--format", "text").exit_code == 0
    kept = json.loads((pub / pictures.DECODED).read_text())
    assert len(kept["sha256"]) == 1 and kept["version"] == pictures._decoded_version()

    decoded = []
    real = pictures._decode_bitmap
    monkeypatch.setattr(pictures, "_decode_bitmap", lambda path: decoded.append(path.name) or real(path))
    monkeypatch.setattr(pictures, "_memos", {})  # a new process: the memo is read from the file
    assert run(pub, "check", "1112").exit_code == 0 and decoded == []

    whole = photo.read_bytes()
    stat = photo.stat()
    photo.write_bytes(whole[: len(whole) // 2] + b"\0" * (len(whole) - len(whole) // 2))  # same size and time
    os.utime(photo, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = run(pub, "check", "1112")
    assert result.exit_code == 1 and "picket.jpg' is damaged or truncated" in result.output, (result.output, decoded)
    assert decoded == ["picket.jpg"]
    photo.write_bytes(whole)

    for spoiled in ("{", json.dumps({"version": "0", "sha256": kept["sha256"]}),
                    json.dumps({"version": kept["version"], "sha256": ["../../etc/passwd", 7]})):
        (pub / pictures.DECODED).write_text(spoiled)
        monkeypatch.setattr(pictures, "_memos", {})
        decoded.clear()
        assert run(pub, "build", "1112", "--format", "text", "--force").exit_code == 0 and decoded == ["picket.jpg"]
    assert json.loads((pub / pictures.DECODED).read_text()) == kept  # written again as it should be


def test_a_truncated_picture_is_refused_in_a_process_that_loaded_weasyprint(pub, run):
    # WeasyPrint's import lets Pillow load truncated files, process-wide: a build's or serve's process that
    # had loaded it let a cut-off photo through the check, to be published half grey
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    photo = pub / "issues/1112/images/picket.jpg"
    photo.write_bytes(photo.read_bytes()[:-4000])
    result = run(pub, "check", "1112")
    assert result.exit_code == 1 and "picket.jpg' is damaged or truncated" in result.output, result.output
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # WeasyPrint's own setting is left as it was


def test_the_decoded_pictures_record_is_read_back_whole_at_its_largest(tmp_path):
    import hashlib
    import json

    from publish import pictures

    digests = sorted(hashlib.sha256(str(i).encode()).hexdigest() for i in range(pictures._DECODED_MOST))
    record = tmp_path / "decoded.json"
    record.write_text(json.dumps({"version": pictures._decoded_version(), "sha256": digests}))
    assert pictures._read_decoded(record) == set(digests)


def test_a_picture_rewritten_while_it_is_decoded_is_not_recorded_as_decoded(pub, run, monkeypatch):
    import json

    from publish import pictures

    photo = pub / "issues/1112/images/picket.jpg"
    (pub / ".publish-cache").mkdir()
    real = pictures._decode_bitmap

    def meanwhile(path):  # an exporter still saving it: what was digested is not what is decoded
        verdict = real(path)
        picture(photo, size=(1400, 901))
        return verdict

    monkeypatch.setattr(pictures, "_memos", {})
    monkeypatch.setattr(pictures, "_decode_bitmap", meanwhile)
    assert run(pub, "check", "1112").exit_code == 0
    assert not (pub / pictures.DECODED).exists() or json.loads((pub / pictures.DECODED).read_text())["sha256"] == []
