#!/usr/bin/env python3
"""(Re)create every picture of the demo publication, deterministically.

Run from anywhere:  python3 demo/draw_pictures.py
Needs Pillow.  Text is set in the fonts shipped in fonts/ (Noto Serif,
Roboto Condensed), so the pictures look the same on every machine.

Lead pictures are 1800x1200 JPEGs (quality 85); ballot.png has an alpha
channel; pay-gap.svg is written by hand (see SVG_PAY_GAP below) and copied
out as text.  Every picture is drawn from shapes and text only, with a
fixed random seed per picture, so a re-run gives the same bytes with the
same Pillow version.
"""
from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "fonts"
W, H = 1800, 1200

RED = (206, 17, 38)
DARK = (34, 34, 40)
WHITE = (250, 250, 246)
YELLOW = (255, 214, 10)
HIVIS = (214, 240, 30)
ORANGE = (245, 130, 32)
SKINS = [(241, 204, 170), (224, 172, 130), (198, 134, 94), (141, 85, 56), (96, 60, 40)]
COATS = [(40, 70, 140), (120, 30, 40), (60, 110, 70), (90, 90, 100), (160, 90, 40),
         (30, 30, 35), (200, 60, 60), (70, 60, 120)]


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    files = {
        "sans": "RobotoCondensed-Bold.ttf",
        "sans-regular": "RobotoCondensed-Regular.ttf",
        "serif": "NotoSerif-Regular.ttf",
        "serif-bold": "NotoSerif-Bold.ttf",
        "serif-italic": "NotoSerif-Italic.ttf",
    }
    return ImageFont.truetype(str(FONTS / files[name]), size)


# ---------------------------------------------------------------- helpers

def gradient(img: Image.Image, top, bottom, box=None) -> None:
    x0, y0, x1, y1 = box or (0, 0, img.width, img.height)
    d = ImageDraw.Draw(img)
    for y in range(y0, y1):
        t = (y - y0) / max(1, (y1 - y0 - 1))
        if isinstance(top, int):
            c = int(top + (bottom - top) * t)
        else:
            c = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom))
        d.line([(x0, y), (x1, y)], fill=c)


def fit_text(d, text, box, name="sans", max_size=160, min_size=18, spacing=0.12):
    """Largest font size at which text (wrapped on spaces) fits into box."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    for size in range(max_size, min_size - 1, -2):
        f = font(name, size)
        lines = wrap(d, text, f, w)
        if lines is None:
            continue
        lh = int(size * (1 + spacing))
        if lh * len(lines) <= h:
            return f, lines, lh
    f = font(name, min_size)
    return f, wrap(d, text, f, w) or [text], int(min_size * (1 + spacing))


def wrap(d, text, f, width):
    lines: list[str] = []
    for para in text.split("\n"):
        cur = ""
        for word in para.split():
            trial = (cur + " " + word).strip()
            if d.textlength(trial, font=f) <= width:
                cur = trial
            else:
                if not cur:
                    return None
                lines.append(cur)
                cur = word
                if d.textlength(cur, font=f) > width:
                    return None
        lines.append(cur)
    return lines


def text_in_box(d, text, box, fill, name="sans", max_size=160, align="center"):
    f, lines, lh = fit_text(d, text, box, name, max_size)
    x0, y0, x1, y1 = box
    total = lh * len(lines)
    y = y0 + (y1 - y0 - total) / 2
    for line in lines:
        tw = d.textlength(line, font=f)
        x = x0 + (x1 - x0 - tw) / 2 if align == "center" else x0
        d.text((x, y), line, font=f, fill=fill)
        y += lh


def person(d, x, ground, s, rng, coat=None, arms="down", hivis=False, hat=False):
    """A simple standing figure; s is the height in pixels. Returns hand point."""
    skin = rng.choice(SKINS)
    coat = coat or rng.choice(COATS)
    legs = rng.choice([(40, 45, 60), (30, 30, 30), (70, 70, 80), (50, 60, 90)])
    head_r = s * 0.085
    body_top = ground - s * 0.80
    body_bot = ground - s * 0.42
    bw = s * 0.26
    # legs
    lw = s * 0.09
    d.rounded_rectangle([x - bw * 0.42, body_bot - 5, x - bw * 0.42 + lw, ground], radius=int(lw / 3), fill=legs)
    d.rounded_rectangle([x + bw * 0.42 - lw, body_bot - 5, x + bw * 0.42, ground], radius=int(lw / 3), fill=legs)
    d.ellipse([x - bw * 0.5, ground - s * 0.03, x - bw * 0.42 + lw + 6, ground + s * 0.02], fill=(20, 20, 20))
    d.ellipse([x + bw * 0.42 - lw - 6, ground - s * 0.03, x + bw * 0.5, ground + s * 0.02], fill=(20, 20, 20))
    # body
    d.rounded_rectangle([x - bw / 2, body_top, x + bw / 2, body_bot], radius=int(bw / 3), fill=coat)
    if hivis:
        d.rounded_rectangle([x - bw / 2, body_top, x + bw / 2, body_bot], radius=int(bw / 3), fill=HIVIS)
        for yy in (body_top + (body_bot - body_top) * 0.45, body_top + (body_bot - body_top) * 0.7):
            d.rectangle([x - bw / 2 + 2, yy, x + bw / 2 - 2, yy + s * 0.025], fill=(200, 200, 205))
    # arms
    aw = max(4, int(s * 0.06))
    sh_l = (x - bw / 2 + aw / 2, body_top + s * 0.05)
    sh_r = (x + bw / 2 - aw / 2, body_top + s * 0.05)
    if arms == "up":
        hand_l = (x - bw * 0.25, body_top - s * 0.22)
        hand_r = (x + bw * 0.25, body_top - s * 0.22)
    elif arms == "fist":
        hand_l = (x - bw * 0.75, body_bot - s * 0.02)
        hand_r = (x + bw * 0.55, body_top - s * 0.30)
    else:
        hand_l = (x - bw * 0.62, body_bot)
        hand_r = (x + bw * 0.62, body_bot)
    for sh, hd in ((sh_l, hand_l), (sh_r, hand_r)):
        d.line([sh, hd], fill=coat if not hivis else HIVIS, width=aw)
        d.ellipse([hd[0] - aw * 0.7, hd[1] - aw * 0.7, hd[0] + aw * 0.7, hd[1] + aw * 0.7], fill=skin)
    # head
    hy = body_top - head_r * 1.05
    d.ellipse([x - head_r, hy - head_r, x + head_r, hy + head_r], fill=skin)
    hair = rng.choice([(30, 25, 20), (90, 60, 30), (200, 170, 100), (120, 120, 120), (20, 20, 20)])
    if hat:
        d.chord([x - head_r * 1.05, hy - head_r * 1.2, x + head_r * 1.05, hy + head_r * 0.5], 180, 360, fill=rng.choice([RED, DARK, (40, 70, 140)]))
    else:
        d.chord([x - head_r, hy - head_r, x + head_r, hy + head_r * 0.3], 180, 360, fill=hair)
    return hand_l, hand_r


def placard(d, hand, w, h, text, bg=WHITE, fg=RED, stick=140, name="sans"):
    hx, hy = hand
    d.rectangle([hx - 5, hy - stick, hx + 5, hy + 20], fill=(150, 110, 60))
    box = [hx - w / 2, hy - stick - h, hx + w / 2, hy - stick]
    d.rectangle([box[0] + 6, box[1] + 6, box[2] + 6, box[3] + 6], fill=(0, 0, 0))
    d.rectangle(box, fill=bg, outline=(40, 40, 40), width=3)
    pad = 12
    text_in_box(d, text, (box[0] + pad, box[1] + pad, box[2] - pad, box[3] - pad), fg, name)


def banner(d, box, text, bg=RED, fg=WHITE, poles=True, name="sans"):
    x0, y0, x1, y1 = box
    if poles:
        d.rectangle([x0 - 10, y0 - 30, x0, y1 + 260], fill=(120, 85, 45))
        d.rectangle([x1, y0 - 30, x1 + 10, y1 + 260], fill=(120, 85, 45))
    d.rectangle(box, fill=bg)
    d.rectangle([x0 + 10, y0 + 10, x1 - 10, y1 - 10], outline=fg, width=4)
    text_in_box(d, text, (x0 + 35, y0 + 25, x1 - 35, y1 - 25), fg, name)


def crowd(d, rng, n, y_ground, scale, x0=0, x1=W, hivis_share=0.0, arms_mix=("down",)):
    xs = sorted(rng.uniform(x0, x1) for _ in range(n))
    hands = []
    for x in xs:
        s = scale * rng.uniform(0.88, 1.1)
        hands.append((x, person(d, x, y_ground + rng.uniform(-8, 8), s, rng,
                                hivis=rng.random() < hivis_share, arms=rng.choice(arms_mix),
                                hat=rng.random() < 0.25)))
    return hands


def save_jpeg(img: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.convert("RGB").save(path, "JPEG", quality=85, optimize=True, progressive=False)


def save_png(img: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "PNG", optimize=True)


def ground(d, y, colour=(120, 120, 118)):
    d.rectangle([0, y, W, H], fill=colour)


# ---------------------------------------------------------------- issue 1111

def pay_freeze(path):
    rng = random.Random(1111_1)
    img = Image.new("RGB", (W, H))
    gradient(img, (150, 190, 230), (225, 235, 245))
    d = ImageDraw.Draw(img)
    # a grey government building with columns
    d.rectangle([250, 260, 1550, 760], fill=(205, 200, 190))
    d.polygon([(200, 270), (900, 90), (1600, 270)], fill=(190, 185, 175))
    for i in range(11):
        cx = 300 + i * 120
        d.rectangle([cx, 320, cx + 50, 740], fill=(225, 222, 214))
    d.rectangle([200, 740, 1600, 780], fill=(175, 170, 160))
    text_in_box(d, "HM TREASURY", (600, 170, 1200, 250), (110, 105, 95), "serif-bold", 60)
    ground(d, 780, (150, 148, 140))
    hands = crowd(d, rng, 16, 1130, 360, 40, 1760, hivis_share=0.1, arms_mix=("down", "up"))
    slogans = ["NO PAY FREEZE", "CLAPS DON’T PAY BILLS", "£15 AN HOUR NOW", "TAX THE RICH",
               "PAY RISE FOR ALL", "KEY WORKERS DESERVE MORE"]
    last_x, i = -1000.0, 0
    for x, (hl, hr) in hands:
        if hr[0] - last_x < 330 or not 170 < hr[0] < W - 170:
            continue
        placard(d, hr, 300, 190, slogans[i % len(slogans)], bg=[WHITE, YELLOW][i % 2], fg=[RED, DARK][i % 2],
                stick=150 + 60 * (i % 2))
        last_x, i = hr[0], i + 1
    save_jpeg(img, path)


def picket(path):
    rng = random.Random(1111_2)
    img = Image.new("RGB", (W, H))
    gradient(img, (60, 70, 110), (230, 170, 120))  # early morning
    d = ImageDraw.Draw(img)
    # depot fence and gate
    ground(d, 820, (90, 90, 92))
    d.rectangle([0, 420, W, 440], fill=(70, 70, 75))
    for x in range(0, W, 45):
        d.line([(x, 440), (x, 820)], fill=(80, 80, 85), width=5)
    d.rectangle([0, 800, W, 820], fill=(70, 70, 75))
    d.rectangle([1250, 300, 1700, 420], fill=(235, 235, 230))
    text_in_box(d, "CITY DEPOT – NO ENTRY", (1265, 315, 1685, 405), DARK, "sans", 70)
    # brazier
    d.rectangle([780, 900, 900, 1040], fill=(50, 50, 50))
    for i in range(5):
        d.line([(790, 915 + i * 25), (890, 915 + i * 25)], fill=(90, 40, 20), width=4)
    for k in range(14):
        fx = 790 + rng.uniform(0, 110)
        fh = rng.uniform(60, 150)
        d.polygon([(fx - 20, 905), (fx, 905 - fh), (fx + 20, 905)], fill=rng.choice([ORANGE, YELLOW, (230, 60, 20)]))
    # pickets, most in hi-vis
    for x in (150, 330, 520, 1050, 1240, 1430, 1620):
        person(d, x, 1110, 420, rng, hivis=rng.random() < 0.75, hat=rng.random() < 0.5)
    banner(d, (120, 500, 700, 700), "ON STRIKE\nfor fair pay", RED, WHITE)
    placard(d, (1240 + 0.62 * 0.26 * 420, 1110 - 0.42 * 420), 320, 200, "OFFICIAL PICKET", bg=YELLOW, fg=DARK, stick=120)
    save_jpeg(img, path)


def rent_strike(path):
    rng = random.Random(1111_3)
    img = Image.new("RGB", (W, H))
    gradient(img, (120, 160, 210), (200, 220, 235))
    d = ImageDraw.Draw(img)
    # block of student halls
    d.rectangle([200, 120, 1600, 1050], fill=(176, 96, 70))
    for r in range(7):
        for c in range(9):
            x = 260 + c * 150
            y = 170 + r * 120
            lit = rng.random() < 0.35
            d.rectangle([x, y, x + 90, y + 80], fill=(250, 220, 140) if lit else (60, 75, 95))
            d.line([(x + 45, y), (x + 45, y + 80)], fill=(230, 230, 230), width=3)
    # banners hanging from windows
    hangs = [((310, 280, 700, 520), "RENT STRIKE", RED, WHITE),
             ((1000, 170, 1450, 400), "NO PROFIT FROM OUR HOMES", WHITE, RED),
             ((760, 640, 1180, 860), "CUT THE RENT", YELLOW, DARK)]
    for box, text, bg, fg in hangs:
        x0, y0, x1, y1 = box
        pts = [(x0, y0), (x1, y0), (x1 - 8, y1), (x0 + 8, y1 + 6)]
        d.polygon(pts, fill=bg, outline=(40, 40, 40))
        text_in_box(d, text, (x0 + 25, y0 + 20, x1 - 25, y1 - 20), fg, "sans", 120)
    ground(d, 1050, (110, 140, 90))
    d.rectangle([780, 960, 1020, 1050], fill=(70, 50, 40))
    for x in (150, 1700):
        d.ellipse([x - 110, 780, x + 110, 1010], fill=(50, 110, 60))
        d.rectangle([x - 12, 990, x + 12, 1100], fill=(90, 60, 40))
    save_jpeg(img, path)


POLAND = [(0.30, 0.06), (0.47, 0.03), (0.55, 0.08), (0.70, 0.10), (0.86, 0.12), (0.90, 0.24), (0.88, 0.40),
          (0.95, 0.60), (0.93, 0.72), (0.84, 0.84), (0.80, 0.97), (0.66, 0.92), (0.55, 0.96), (0.45, 0.88),
          (0.33, 0.84), (0.22, 0.74), (0.12, 0.64), (0.09, 0.46), (0.05, 0.28), (0.08, 0.16), (0.18, 0.12)]


def poland(path):
    rng = random.Random(1111_4)
    img = Image.new("RGB", (W, H), (24, 22, 30))
    d = ImageDraw.Draw(img)
    ox, oy, sx, sy = 420, 110, 1000, 980
    outline = [(ox + x * sx, oy + y * sy) for x, y in POLAND]
    d.polygon([(x + 14, y + 14) for x, y in outline], fill=(10, 10, 12))
    d.polygon(outline, fill=(60, 58, 70), outline=(140, 140, 150))
    cities = {"Gdańsk": (0.50, 0.13), "Szczecin": (0.12, 0.28), "Poznań": (0.32, 0.45),
              "Warszawa": (0.68, 0.46), "Łódź": (0.55, 0.56), "Wrocław": (0.33, 0.70),
              "Kraków": (0.60, 0.86), "Białystok": (0.86, 0.32), "Lublin": (0.82, 0.68)}
    f = font("sans", 44)
    for name, (cx, cy) in cities.items():
        x, y = ox + cx * sx, oy + cy * sy
        for r in (46, 30):
            d.ellipse([x - r, y - r, x + r, y + r], outline=RED, width=4)
        d.ellipse([x - 12, y - 12, x + 12, y + 12], fill=RED)
        d.text((x + 30, y - 58), name, font=f, fill=WHITE)
    # the red lightning bolt of the women's strike
    bolt = [(160, 140), (330, 140), (260, 420), (380, 420), (140, 860), (200, 520), (90, 520)]
    d.polygon([(x + 8, y + 8) for x, y in bolt], fill=(0, 0, 0))
    d.polygon(bolt, fill=RED)
    d.text((1300, 1040), "Strajk Kobiet", font=font("sans", 84), fill=WHITE, anchor="mm")
    save_jpeg(img, path)


def saltley(path):
    rng = random.Random(1111_5)
    img = Image.new("L", (W, H), 200)
    gradient(img, 215, 170)
    d = ImageDraw.Draw(img)
    # gasholder and works
    d.ellipse([1100, 120, 1700, 260], fill=120)
    d.rectangle([1100, 190, 1700, 700], fill=120)
    for x in range(1120, 1700, 80):
        d.line([(x, 180), (x, 700)], fill=95, width=8)
    for y in (300, 450, 600):
        d.line([(1100, y), (1700, y)], fill=95, width=8)
    d.rectangle([300, 380, 1000, 700], fill=105)
    for x in (380, 560, 740):
        d.rectangle([x, 150, x + 50, 400], fill=85)
    d.rectangle([0, 700, W, H], fill=140)
    # the gates
    d.rectangle([560, 500, 1240, 540], fill=60)
    for x in range(580, 1240, 40):
        d.line([(x, 540), (x, 900)], fill=55, width=8)
    d.rectangle([540, 480, 580, 920], fill=50)
    d.rectangle([1220, 480, 1260, 920], fill=50)
    text_in_box(d, "GAS WORKS", (640, 420, 1160, 495), 40, "serif-bold", 60)
    # a sea of people
    for row, (y, s, n) in enumerate(((930, 240, 28), (1040, 300, 22), (1170, 380, 15))):
        for i in range(n):
            x = rng.uniform(-40, W + 40)
            tone = rng.randint(40, 120)
            head = s * 0.09
            d.ellipse([x - head, y - s * 0.95, x + head, y - s * 0.77], fill=tone + 40)
            d.rounded_rectangle([x - s * 0.15, y - s * 0.78, x + s * 0.15, y], radius=int(s * 0.08), fill=tone)
    rgb = Image.merge("RGB", (img, img, img))
    d = ImageDraw.Draw(rgb)
    for hx, text in ((420, "CLOSE THE GATES"), (1380, "VICTORY TO THE MINERS")):
        placard(d, (hx, 900), 380, 170, text, bg=(235, 232, 220), fg=(30, 30, 30), stick=110, name="serif-bold")
    # a sepia tint
    sep = Image.new("RGB", rgb.size, (112, 66, 20))
    rgb = Image.blend(rgb, sep, 0.18)
    save_jpeg(rgb, path)


# ---------------------------------------------------------------- issue 1112

def billionaires(path):
    rng = random.Random(1112_1)
    img = Image.new("RGB", (W, H), (250, 247, 238))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, W, 150], fill=RED)
    d.text((90, 75), "Pandemic 2020: who gained?", font=font("sans", 96), fill=WHITE, anchor="lm")
    base = 1010
    d.line([(150, base), (1700, base)], fill=DARK, width=6)
    # rising stacks of gold coins for the billionaires
    for i in range(6):
        x = 220 + i * 130
        hgt = 160 + i * 110
        for k in range(int(hgt / 26)):
            y = base - 26 * (k + 1)
            d.ellipse([x - 50, y, x + 50, y + 30], fill=(230, 180, 30), outline=(150, 110, 10), width=3)
    d.text((540, 1060), "Billionaires' wealth", font=font("sans", 60), fill=DARK, anchor="mm")
    # flat, small pile for wages
    for i in range(5):
        x = 1150 + i * 110
        for k in range(3 if i % 2 else 2):
            y = base - 26 * (k + 1)
            d.ellipse([x - 42, y, x + 42, y + 28], fill=(190, 190, 195), outline=(110, 110, 120), width=3)
    d.text((1370, 1060), "Workers' pay", font=font("sans", 60), fill=DARK, anchor="mm")
    # arrow up in red
    d.line([(300, 640), (900, 240)], fill=RED, width=22)
    d.polygon([(930, 215), (850, 230), (895, 295)], fill=RED)
    # top hat over the heap
    d.rectangle([820, 280, 980, 300], fill=DARK)
    d.rectangle([850, 170, 950, 285], fill=DARK)
    d.rectangle([850, 245, 950, 265], fill=RED)
    # little workers on the right with a flat line
    for x in (1180, 1330, 1480, 1630):
        person(d, x, 890, 260, rng, hivis=rng.random() < 0.5)
    d.line([(1130, 560), (1700, 560)], fill=(90, 90, 100), width=10)
    d.text((1410, 520), "pay freeze", font=font("sans-regular", 48), fill=(90, 90, 100), anchor="mm")
    save_jpeg(img, path)


def great_hack(path):
    rng = random.Random(1112_2)
    img = Image.new("RGB", (W, H), (8, 10, 22))
    # glow from the screen
    glow = Image.new("L", (W, H), 0)
    gd = ImageDraw.Draw(glow)
    gd.ellipse([450, 100, 1350, 1150], fill=170)
    glow = glow.filter(ImageFilter.GaussianBlur(140))
    img.paste(Image.new("RGB", (W, H), (40, 110, 190)), (0, 0), glow)
    d = ImageDraw.Draw(img)
    # the phone
    d.rounded_rectangle([640, 110, 1160, 1150], radius=70, fill=(20, 20, 24), outline=(90, 90, 100), width=6)
    d.rounded_rectangle([670, 170, 1130, 1100], radius=24, fill=(245, 246, 250))
    d.rounded_rectangle([840, 130, 960, 150], radius=10, fill=(50, 50, 55))
    # a feed of posts with ads
    y = 195
    f = font("sans", 34)
    fr = font("sans-regular", 28)
    posts = [("Sponsored", "You won't BELIEVE this..."),
             ("Friend", "Look at my hamsters!"),
             ("Sponsored", "Buy now -- only 2 left"),
             ("Trending", "Outrage as...")]
    for tag, text in posts:
        d.rounded_rectangle([690, y, 1110, y + 205], radius=16, fill=(255, 255, 255), outline=(210, 210, 220), width=2)
        d.ellipse([705, y + 15, 755, y + 65], fill=rng.choice(COATS))
        d.text((770, y + 22), tag, font=f, fill=RED if tag == "Sponsored" else DARK)
        d.text((710, y + 85), text, font=fr, fill=(60, 60, 70))
        d.rectangle([710, y + 135, 710 + rng.randint(200, 380), y + 150], fill=(220, 222, 230))
        d.rectangle([710, y + 165, 710 + rng.randint(150, 330), y + 180], fill=(220, 222, 230))
        y += 225
    # crosshair over the screen: you are the target
    cx, cy = 900, 640
    for r in (230, 150):
        d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=RED, width=8)
    d.line([(cx - 300, cy), (cx + 300, cy)], fill=RED, width=6)
    d.line([(cx, cy - 300), (cx, cy + 300)], fill=RED, width=6)
    # data streams
    for i in range(40):
        x = rng.choice([rng.uniform(60, 560), rng.uniform(1240, 1740)])
        y0 = rng.uniform(0, H)
        d.text((x, y0), "".join(rng.choice("01") for _ in range(8)), font=font("sans-regular", 30), fill=(60, 150, 220))
    save_jpeg(img, path)


def grantham_march(path):
    rng = random.Random(1112_3)
    img = Image.new("RGB", (W, H))
    gradient(img, (110, 130, 160), (200, 205, 215))  # overcast
    d = ImageDraw.Draw(img)
    # terrace of shops and a church spire
    d.polygon([(1350, 80), (1400, 420), (1300, 420)], fill=(150, 140, 120))
    d.rectangle([1290, 420, 1410, 700], fill=(150, 140, 120))
    for i in range(8):
        x = i * 230
        d.rectangle([x, 380 + (i % 3) * 20, x + 225, 760], fill=rng.choice([(170, 110, 90), (190, 170, 140), (150, 100, 80), (200, 190, 170)]))
        d.rectangle([x + 30, 600, x + 195, 720], fill=(80, 110, 130))
        d.rectangle([x + 40, 460 + (i % 3) * 20, x + 90, 540 + (i % 3) * 20], fill=(240, 240, 235))
        d.rectangle([x + 135, 460 + (i % 3) * 20, x + 185, 540 + (i % 3) * 20], fill=(240, 240, 235))
    ground(d, 760, (120, 118, 115))
    crowd(d, rng, 22, 1030, 270, 0, W, hivis_share=0.05)
    banner(d, (330, 640, 1470, 900), "SAVE OUR A&E – 24 HOURS, 7 DAYS", (0, 94, 184), WHITE)
    crowd(d, rng, 9, 1180, 330, 0, W)
    save_jpeg(img, path)


def greece(path):
    rng = random.Random(1112_4)
    img = Image.new("RGB", (W, H))
    gradient(img, (30, 40, 80), (120, 90, 110))  # evening
    d = ImageDraw.Draw(img)
    # neoclassical facade with columns (the Polytechnic)
    d.rectangle([250, 250, 1550, 720], fill=(220, 214, 200))
    d.polygon([(220, 260), (900, 110), (1580, 260)], fill=(205, 198, 182))
    for i in range(8):
        cx = 330 + i * 160
        d.rectangle([cx, 300, cx + 60, 710], fill=(238, 234, 224))
    ground(d, 720, (100, 96, 92))
    # water cannon mist
    mist = Image.new("L", (W, H), 0)
    md = ImageDraw.Draw(mist)
    md.ellipse([1200, 500, 1900, 1000], fill=90)
    mist = mist.filter(ImageFilter.GaussianBlur(80))
    img.paste(Image.new("RGB", (W, H), (220, 225, 235)), (0, 0), mist)
    d = ImageDraw.Draw(img)
    hands = crowd(d, rng, 14, 1160, 380, 40, 1500, arms_mix=("down", "fist"))
    banner(d, (180, 600, 1280, 820), "ΨΩΜΙ — ΠΑΙΔΕΙΑ — ΕΛΕΥΘΕΡΙΑ", RED, WHITE)
    d.text((900, 215), "17 Νοέμβρη 1973", font=font("serif-bold", 54), fill=(90, 80, 70), anchor="mm")
    save_jpeg(img, path)


def ballot_png(path):
    """A ballot box with a YES paper going in, on a transparent background."""
    img = Image.new("RGBA", (900, 900), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    # soft shadow
    sh = Image.new("L", img.size, 0)
    ImageDraw.Draw(sh).ellipse([150, 760, 750, 850], fill=110)
    sh = sh.filter(ImageFilter.GaussianBlur(18))
    img.paste(Image.new("RGBA", img.size, (0, 0, 0, 255)), (0, 0), sh)
    d = ImageDraw.Draw(img)
    # box (front and top)
    d.polygon([(170, 420), (620, 420), (730, 340), (280, 340)], fill=(60, 60, 70, 255))
    d.polygon([(620, 420), (730, 340), (730, 730), (620, 810)], fill=(35, 35, 45, 255))
    d.rectangle([170, 420, 620, 810], fill=(206, 17, 38, 255))
    d.rectangle([330, 370, 580, 392], fill=(10, 10, 10, 255))
    # the paper
    d.polygon([(360, 120), (600, 150), (565, 390), (325, 360)], fill=(252, 252, 248, 255), outline=(90, 90, 90, 255))
    d.text((465, 250), "YES", font=font("sans", 110), fill=(206, 17, 38, 255), anchor="mm")
    d.line([(395, 330), (425, 355), (520, 300)], fill=(20, 20, 20, 255), width=10)
    text_in_box(d, "STRIKE BALLOT", (195, 520, 595, 700), (255, 255, 255, 255), "sans", 120)
    save_png(img, path)


def megaphone_png(path):
    """A megaphone with speech bubbles, on a transparent background."""
    img = Image.new("RGBA", (1200, 800), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    # horn
    d.polygon([(330, 330), (760, 130), (760, 630), (330, 470)], fill=RED + (255,))
    d.ellipse([700, 130, 820, 630], fill=(150, 10, 25, 255))
    d.ellipse([730, 190, 800, 570], fill=(60, 0, 10, 255))
    # body and handle
    d.rounded_rectangle([200, 320, 350, 480], radius=30, fill=(40, 40, 48, 255))
    d.polygon([(260, 470), (320, 470), (300, 650), (240, 650)], fill=(40, 40, 48, 255))
    d.rectangle([320, 350, 360, 450], fill=(230, 230, 230, 255))
    # speech bubbles, half-transparent
    bubbles = [((860, 80, 1160, 260), "LETTERS"), ((880, 440, 1160, 600), "YOUR SAY")]
    for (x0, y0, x1, y1), text in bubbles:
        d.rounded_rectangle([x0, y0, x1, y1], radius=40, fill=(255, 214, 10, 220), outline=(34, 34, 40, 255), width=6)
        text_in_box(d, text, (x0 + 25, y0 + 25, x1 - 25, y1 - 25), DARK + (255,), "sans", 90)
    d.polygon([(900, 250), (860, 330), (960, 258)], fill=(255, 214, 10, 220))
    for r in (60, 110):
        d.arc([780 - r, 380 - r, 780 + r, 380 + r], 300, 60, fill=(206, 17, 38, 160), width=10)
    save_png(img, path)


SVG_PAY_GAP = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="900" height="520" viewBox="0 0 900 520" role="img" aria-labelledby="t d">
  <title id="t">A care worker's year against a chief executive's</title>
  <desc id="d">Bar chart: a care worker on the minimum wage earns about 18 thousand pounds a year; a FTSE 100 chief executive about 3.6 million pounds, roughly 200 times as much.</desc>
  <rect x="0" y="0" width="900" height="520" fill="#faf7ee"/>
  <text x="40" y="60" font-family="Roboto Condensed, sans-serif" font-weight="bold" font-size="36" fill="#222228">One year's pay, in pounds</text>
  <line x1="40" y1="440" x2="860" y2="440" stroke="#222228" stroke-width="3"/>
  <rect x="120" y="436" width="180" height="4" fill="#8a8a96"/>
  <text x="210" y="420" text-anchor="middle" font-family="Roboto Condensed, sans-serif" font-size="30" fill="#222228">£18,138</text>
  <text x="210" y="485" text-anchor="middle" font-family="Roboto Condensed, sans-serif" font-size="28" fill="#222228">Care worker</text>
  <rect x="560" y="100" width="180" height="340" fill="#ce1126"/>
  <text x="650" y="140" text-anchor="middle" font-family="Roboto Condensed, sans-serif" font-weight="bold" font-size="30" fill="#ffffff">£3,600,000</text>
  <text x="650" y="485" text-anchor="middle" font-family="Roboto Condensed, sans-serif" font-size="28" fill="#222228">FTSE 100 chief executive</text>
  <text x="420" y="300" text-anchor="middle" font-family="Roboto Condensed, sans-serif" font-weight="bold" font-size="64" fill="#ce1126">×200</text>
</svg>
"""


def pay_gap_svg(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SVG_PAY_GAP, encoding="utf-8")


# ---------------------------------------------------------------- issue 1113

def vaccine(path):
    rng = random.Random(1113_1)
    img = Image.new("RGB", (W, H), (228, 240, 245))
    d = ImageDraw.Draw(img)
    # a big vial
    d.rounded_rectangle([300, 360, 640, 1060], radius=40, fill=(200, 225, 240), outline=(90, 110, 130), width=8)
    d.rectangle([300, 700, 640, 1060], fill=(120, 180, 220))
    d.rounded_rectangle([300, 700, 640, 1060], radius=40, outline=(90, 110, 130), width=8)
    d.rectangle([330, 250, 610, 360], fill=(206, 17, 38))
    d.rectangle([360, 520, 580, 640], fill=WHITE)
    text_in_box(d, "COVID-19 VACCINE", (370, 530, 570, 630), DARK, "sans", 50)
    # a syringe
    d.rectangle([820, 470, 1460, 590], fill=(245, 245, 250), outline=(110, 110, 120), width=6)
    d.rectangle([820, 470, 1200, 590], fill=(170, 210, 235))
    for i in range(9):
        d.line([(900 + i * 60, 470), (900 + i * 60, 510)], fill=(90, 90, 100), width=4)
    d.rectangle([1460, 430, 1490, 630], fill=(110, 110, 120))
    d.rectangle([1490, 515, 1700, 545], fill=(110, 110, 120))
    d.rectangle([1700, 490, 1740, 570], fill=(110, 110, 120))
    d.polygon([(820, 500), (720, 526), (820, 560)], fill=(110, 110, 120))
    d.line([(720, 530), (560, 530)], fill=(150, 150, 160), width=6)
    # placard
    placard(d, (1250, 1150), 720, 300, "VACCINES FOR ALL, NOT FOR PROFIT", bg=YELLOW, fg=DARK, stick=170)
    d.text((120, 120), "NHS", font=font("sans", 140), fill=(0, 94, 184))
    save_jpeg(img, path)


def porters(path):
    rng = random.Random(1113_2)
    img = Image.new("RGB", (W, H))
    gradient(img, (150, 180, 215), (220, 228, 236))
    d = ImageDraw.Draw(img)
    # hospital block
    d.rectangle([150, 130, 1650, 760], fill=(230, 226, 215))
    for r in range(4):
        for c in range(10):
            d.rectangle([210 + c * 142, 180 + r * 130, 300 + c * 142, 270 + r * 130], fill=(120, 160, 190))
    d.rectangle([1200, 40, 1650, 130], fill=(0, 94, 184))
    text_in_box(d, "GENERAL HOSPITAL", (1215, 50, 1635, 122), WHITE, "sans", 60)
    ground(d, 760, (140, 140, 138))
    # a hospital trolley as a prop
    d.rectangle([680, 920, 1120, 950], fill=(190, 190, 200))
    d.rectangle([680, 880, 1120, 925], fill=(250, 250, 250))
    for x in (710, 1090):
        d.line([(x, 950), (x, 1060)], fill=(120, 120, 130), width=8)
        d.ellipse([x - 18, 1055, x + 18, 1091], fill=DARK)
    text_in_box(d, "BRING US IN-HOUSE", (690, 882, 1110, 922), RED, "sans", 40)
    for x in (180, 380, 560, 1260, 1450, 1640):
        person(d, x, 1130, 400, rng, coat=rng.choice([(30, 90, 160), (20, 60, 120), (90, 90, 100)]))
    banner(d, (220, 560, 880, 760), "PORTERS ON STRIKE", RED, WHITE)
    banner(d, (1100, 560, 1700, 760), "EQUAL PAY, NHS TERMS", YELLOW, DARK)
    save_jpeg(img, path)


def delivery_van(path):
    rng = random.Random(1113_3)
    img = Image.new("RGB", (W, H))
    gradient(img, (40, 45, 70), (230, 140, 90))  # dusk
    d = ImageDraw.Draw(img)
    # terraced street
    for i in range(10):
        x = i * 190
        d.rectangle([x, 420, x + 185, 880], fill=(110 + (i % 3) * 15, 70, 60))
        d.polygon([(x, 420), (x + 92, 360), (x + 185, 420)], fill=(60, 55, 60))
        d.rectangle([x + 30, 500, x + 80, 580], fill=(250, 210, 120) if i % 2 else (70, 80, 100))
        d.rectangle([x + 110, 760, x + 160, 880], fill=(40, 40, 50))
    ground(d, 880, (60, 60, 65))
    d.line([(0, 1040), (W, 1040)], fill=(230, 230, 220), width=8)
    # the van
    d.rounded_rectangle([300, 640, 1200, 960], radius=30, fill=(245, 245, 245))
    d.polygon([(1200, 700), (1400, 720), (1480, 840), (1480, 960), (1200, 960)], fill=(240, 240, 240))
    d.polygon([(1215, 720), (1390, 735), (1450, 830), (1215, 830)], fill=(120, 160, 200))
    for x in (480, 1300):
        d.ellipse([x - 85, 880, x + 85, 1050], fill=(25, 25, 25))
        d.ellipse([x - 40, 925, x + 40, 1005], fill=(170, 170, 170))
    text_in_box(d, "PARCELS DIRECT", (340, 680, 1160, 800), RED, "sans", 110)
    # a stack of parcels and a clock
    for i, (x, y) in enumerate(((1550, 900), (1650, 900), (1600, 820))):
        d.rectangle([x - 50, y - 80, x + 50, y], fill=(190, 140, 80), outline=(120, 80, 40), width=4)
        d.line([(x - 50, y - 40), (x + 50, y - 40)], fill=(230, 200, 120), width=8)
    cx, cy, r = 260, 230, 130
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=WHITE, outline=DARK, width=10)
    for k in range(12):
        a = k * math.pi / 6
        d.line([(cx + math.sin(a) * r * 0.8, cy - math.cos(a) * r * 0.8), (cx + math.sin(a) * r * 0.92, cy - math.cos(a) * r * 0.92)], fill=DARK, width=6)
    d.line([(cx, cy), (cx + r * 0.45, cy + r * 0.2)], fill=DARK, width=10)
    d.line([(cx, cy), (cx - r * 0.1, cy - r * 0.75)], fill=RED, width=6)
    d.text((1500, 200), "14 hours a day", font=font("serif-italic", 80), fill=WHITE, anchor="mm")
    save_jpeg(img, path)


def farmers(path):
    rng = random.Random(1113_4)
    img = Image.new("RGB", (W, H))
    gradient(img, (200, 210, 220), (245, 225, 190))  # winter haze
    d = ImageDraw.Draw(img)
    ground(d, 700, (170, 150, 120))
    d.polygon([(700, 700), (1100, 700), (1800, 1200), (0, 1200)], fill=(95, 95, 100))
    for k in range(6):
        y = 760 + k * 80
        d.rectangle([890 - k * 12, y, 910 + k * 12, y + 35 + k * 5], fill=(230, 220, 120))
    # tractors
    for x, y, s, col in ((260, 900, 1.0, (0, 120, 60)), (1400, 930, 1.1, (200, 40, 30)), (830, 760, 0.6, (30, 90, 170))):
        bw = 300 * s
        d.rectangle([x - bw / 2, y - 160 * s, x + bw / 4, y - 40 * s], fill=col)
        d.rectangle([x, y - 260 * s, x + bw / 4, y - 160 * s], outline=DARK, width=max(3, int(6 * s)))
        d.ellipse([x - bw / 2 - 20 * s, y - 150 * s, x - bw / 2 + 130 * s, y], fill=DARK)
        d.ellipse([x + bw / 4 - 10 * s, y - 100 * s, x + bw / 4 + 90 * s, y], fill=DARK)
        fx = x + bw / 4 + 40 * s
        d.line([(fx, y - 120 * s), (fx, y - 400 * s)], fill=(110, 80, 40), width=max(3, int(8 * s)))
        flag = [YELLOW, (20, 100, 40), RED][int(x) % 3]
        d.polygon([(fx, y - 400 * s), (fx + 160 * s, y - 370 * s), (fx, y - 320 * s)], fill=flag)
    # crowd of marchers
    crowd(d, rng, 12, 1160, 300, 500, 1300, arms_mix=("down", "fist"))
    save_jpeg(img, path)


def food_bank(path):
    rng = random.Random(1113_5)
    img = Image.new("RGB", (W, H), (236, 228, 212))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 800, W, H], fill=(150, 110, 70))
    # shelves of tins
    for shelf in range(3):
        y = 250 + shelf * 260
        d.rectangle([100, y + 200, 1700, y + 220], fill=(120, 80, 40))
        x = 130
        while x < 1650:
            w = rng.randint(70, 110)
            h = rng.randint(120, 190)
            col = rng.choice([RED, (40, 90, 160), YELLOW, (60, 140, 70), (230, 120, 40), WHITE])
            d.rectangle([x, y + 200 - h, x + w, y + 200], fill=col, outline=(60, 60, 60), width=3)
            d.rectangle([x, y + 200 - h * 0.65, x + w, y + 200 - h * 0.35], fill=WHITE)
            x += w + rng.randint(8, 24)
    # crates in front
    for x in (300, 800, 1300):
        d.rectangle([x, 900, x + 360, 1120], fill=(180, 130, 70), outline=(110, 70, 30), width=6)
        for k in range(1, 4):
            d.line([(x, 900 + k * 55), (x + 360, 900 + k * 55)], fill=(110, 70, 30), width=5)
    d.rectangle([520, 60, 1280, 190], fill=RED)
    text_in_box(d, "NO ONE SHOULD GO HUNGRY", (540, 70, 1260, 180), WHITE, "sans", 90)
    save_jpeg(img, path)


def university(path):
    rng = random.Random(1113_6)
    img = Image.new("RGB", (W, H))
    gradient(img, (170, 195, 225), (235, 238, 240))
    d = ImageDraw.Draw(img)
    # red-brick university with a clock tower
    d.rectangle([150, 380, 1650, 860], fill=(170, 80, 60))
    d.rectangle([780, 120, 1020, 860], fill=(160, 74, 56))
    d.polygon([(760, 130), (900, 20), (1040, 130)], fill=(90, 90, 100))
    d.ellipse([840, 180, 960, 300], fill=WHITE, outline=DARK, width=6)
    for r in range(3):
        for c in range(10):
            if 4 <= c <= 5:
                continue
            x = 200 + c * 145
            d.rounded_rectangle([x, 430 + r * 140, x + 70, 530 + r * 140], radius=30, fill=(230, 225, 200))
    ground(d, 860, (120, 140, 100))
    crowd(d, rng, 12, 1150, 330, 60, 1740, arms_mix=("down", "up"))
    banner(d, (260, 640, 900, 830), "NO TO JOB CUTS", RED, WHITE)
    banner(d, (1000, 640, 1640, 830), "STAFF + STUDENTS UNITE", WHITE, RED)
    save_jpeg(img, path)


PICTURES = {
    "issues/1111/images/pay-freeze.jpg": pay_freeze,
    "issues/1111/images/picket.jpg": picket,
    "issues/1111/images/rent-strike.jpg": rent_strike,
    "issues/1111/images/poland.jpg": poland,
    "issues/1111/images/saltley.jpg": saltley,
    "issues/1112/images/billionaires.jpg": billionaires,
    "issues/1112/images/great-hack.jpg": great_hack,
    "issues/1112/images/grantham-march.jpg": grantham_march,
    "issues/1112/images/greece.jpg": greece,
    "issues/1112/images/ballot.png": ballot_png,
    "issues/1112/images/pay-gap.svg": pay_gap_svg,
    "issues/1112/images/megaphone.png": megaphone_png,
    "issues/1113/images/vaccine.jpg": vaccine,
    "issues/1113/images/porters.jpg": porters,
    "issues/1113/images/delivery-van.jpg": delivery_van,
    "issues/1113/images/farmers.jpg": farmers,
    "issues/1113/images/food-bank.jpg": food_bank,
    "issues/1113/images/university.jpg": university,
}


def main() -> None:
    for rel, draw in PICTURES.items():
        path = ROOT / rel
        draw(path)
        print(f"{rel}  {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
