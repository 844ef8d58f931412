"""Regenerates the sample template's images: signature.png and logo.png (both transparent).

Usage: python3 templates/make_images.py   (needs Pillow: pip install Pillow)
The signature is a fictional hand ("Jordan Reyes") drawn as Catmull-Rom pen strokes whose
width follows pen speed, so it reads as ink rather than as a typeface.
"""
import math
import os
from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
SS = 4  # supersampling factor; drawn large, then downsampled for smooth edges
INK = (22, 34, 84)  # blue-black ink
ACCENT = (0x1B, 0x4F, 0x72)

# Pen strokes in a 600x180 box (y grows downward; baseline near y=106).
STROKES = [
    # J, then "ordan" joined
    [(38, 52), (62, 40), (96, 34), (112, 36), (92, 42), (86, 80), (80, 122), (70, 150),
     (56, 160), (46, 152), (54, 136), (82, 118), (112, 100), (122, 90), (132, 86), (138, 94),
     (132, 106), (120, 106), (118, 96), (130, 88), (146, 92), (152, 86), (156, 92), (162, 86),
     (168, 94), (168, 106), (176, 96), (188, 88), (194, 96), (186, 106), (174, 104), (178, 94),
     (192, 86), (200, 56), (206, 38), (202, 62), (198, 100), (204, 108), (214, 98), (224, 88),
     (232, 92), (226, 106), (216, 104), (220, 94), (232, 88), (232, 104), (240, 104), (246, 92),
     (248, 106), (254, 94), (262, 86), (268, 94), (268, 106), (282, 100)],
    # R, then "eyes" joined
    [(306, 106), (310, 76), (316, 42), (312, 38), (326, 34), (352, 40), (354, 58), (338, 72),
     (316, 76), (334, 86), (348, 102), (362, 108), (374, 100), (386, 92), (384, 84), (374, 88),
     (374, 102), (386, 108), (400, 98), (406, 90), (408, 104), (416, 106), (424, 94), (426, 88),
     (422, 122), (412, 150), (400, 158), (396, 146), (414, 126), (440, 106), (452, 94),
     (450, 86), (440, 90), (440, 104), (452, 108), (466, 98), (476, 88), (482, 92), (474, 100),
     (484, 106), (476, 112), (464, 110)],
    # underline flourish
    [(286, 136), (360, 132), (440, 126), (520, 118), (566, 106)],
]


def catmull_rom(points, steps=24):
    pts = [points[0]] + points + [points[-1]]
    out = []
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for s in range(steps):
            t = s / steps
            t2, t3 = t * t, t * t * t
            out.append(tuple(
                0.5 * (2 * p1[k] + (-p0[k] + p2[k]) * t + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2
                       + (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t3)
                for k in range(2)))
    out.append(points[-1])
    return out


def slant(p, k=0.28, baseline=106):
    return (p[0] + k * (baseline - p[1]), p[1])


def signature(path, w=600, h=180):
    img = Image.new("RGBA", (w * SS, h * SS), INK + (0,))
    d = ImageDraw.Draw(img)
    for stroke in STROKES:
        pts = [slant(p) for p in catmull_rom(stroke)]
        n = len(pts)
        for i in range(n - 1):
            (x0, y0), (x1, y1) = pts[i], pts[i + 1]
            speed = math.hypot(x1 - x0, y1 - y0)
            taper = min(1.0, i / 14, (n - 1 - i) / 18)  # thin entry and exit
            width = (1.2 + 2.6 / (1 + 0.9 * speed)) * (0.35 + 0.65 * taper)
            r = width * SS / 2
            d.line([(x0 * SS, y0 * SS), (x1 * SS, y1 * SS)], fill=INK + (255,), width=max(1, round(2 * r)))
            d.ellipse([x1 * SS - r, y1 * SS - r, x1 * SS + r, y1 * SS + r], fill=INK + (255,))
    img = img.resize((w, h), Image.LANCZOS)
    img.save(path, optimize=True)


def logo(path, size=240):
    """An open book in the accent colour: two curved pages over a spine, with three text lines."""
    s = size * SS
    img = Image.new("RGBA", (s, s), ACCENT + (0,))
    d = ImageDraw.Draw(img)
    cx = s / 2

    def page(sign):
        top = [(cx + sign * (s * 0.04 + s * 0.40 * t), s * 0.30 - s * 0.10 * math.sin(math.pi * t) + s * 0.02 * t)
               for t in [i / 40 for i in range(41)]]
        bottom = [(x, y + s * 0.42) for (x, y) in reversed(top)]
        return top + bottom

    for sign in (-1, 1):
        d.polygon(page(sign), fill=ACCENT + (255,))
        # text lines, cut out of the page
        for j in range(3):
            y0 = s * (0.36 + 0.10 * j)
            line = [(cx + sign * (s * 0.10 + s * 0.28 * t), y0 - s * 0.08 * math.sin(math.pi * t) + s * 0.02 * t)
                    for t in [i / 30 for i in range(31)]]
            d.line(line, fill=ACCENT + (0,), width=round(s * 0.025), joint="curve")
    # spine shadow and base
    d.rectangle([cx - s * 0.012, s * 0.26, cx + s * 0.012, s * 0.76], fill=ACCENT + (255,))
    base = [(cx + sx * s * 0.46, s * 0.80) for sx in (-1, 1)]
    d.line([base[0], (cx, s * 0.84), base[1]], fill=ACCENT + (255,), width=round(s * 0.03), joint="curve")
    img = img.resize((size, size), Image.LANCZOS)
    img = img.crop(img.getbbox())
    img.save(path, optimize=True)


if __name__ == "__main__":
    signature(os.path.join(HERE, "signature.png"))
    logo(os.path.join(HERE, "logo.png"))
    print("wrote signature.png and logo.png in", HERE)
