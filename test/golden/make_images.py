#!/usr/bin/python3
"""Write the committed test images for the preprocessing parity tests.

Run with Debian's interpreter (it has python3-pil and python3-numpy):

    /usr/bin/python3 test/golden/make_images.py

Every image has structure (gradients, hard edges, a noisy patch) so that resampling
differences show up; sizes are odd, portrait and landscape, and at most 600 px.
PIL cannot write 16-bit RGB(A) PNGs, so those are encoded here with zlib directly
(a minimal, standard PNG writer), which also keeps the inputs independent of sharp,
the library under test.
"""

import os
import struct
import zlib

import numpy as np
from PIL import Image

from cmyk_profile import cmyk_profile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "images")


def pattern(width, height, seed, noise=0.0):
    """RGB float image in 0..255: diagonal gradients, a checker block, a disc, a ring, a noisy patch."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    u, v = x / max(width - 1, 1), y / max(height - 1, 1)
    r = 255 * u
    g = 255 * v
    b = 255 * (0.5 + 0.5 * np.sin(2 * np.pi * (u + v) * 1.5))
    img = np.stack([r, g, b], axis=-1)
    # hard-edged checker block in the upper left third
    cell = max(3, min(width, height) // 24)
    checker = ((x // cell + y // cell) % 2 == 0) & (x < width / 3) & (y < height / 3)
    img[checker] = [250, 250, 245]
    # dark disc with a sharp boundary
    cx, cy, rad = 0.65 * width, 0.55 * height, 0.2 * min(width, height)
    disc = (x - cx) ** 2 + (y - cy) ** 2 < rad ** 2
    img[disc] = [20, 30, 120]
    # thin bright ring (one-to-two pixel lines test ringing)
    d = np.sqrt((x - 0.3 * width) ** 2 + (y - 0.7 * height) ** 2)
    ring = np.abs(d - 0.12 * min(width, height)) < 1.0
    img[ring] = [255, 220, 0]
    # noisy texture patch in the lower right
    patch = (x > 0.75 * width) & (y > 0.75 * height)
    img[patch] += rng.normal(0, 40, size=(int(patch.sum()), 3))
    img += rng.normal(0, noise, size=img.shape)
    return np.clip(img, 0, 255)


def u8(a):
    return np.clip(np.round(a), 0, 255).astype(np.uint8)


def write_png16(path, data):
    """Write a 16-bit PNG (colour type 0, 2, 4 or 6) from a uint16 array (H, W[, C])."""
    if data.ndim == 2:
        data = data[:, :, None]
    height, width, channels = data.shape
    colour_type = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + data[row].astype(">u2").tobytes() for row in range(height))

    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def exif_with_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def to_cmyk(rgb):
    """Ink amounts for an RGB pattern, with 70 % grey component replacement so that K varies too."""
    cmy = 255.0 - rgb
    k = cmy.min(axis=-1, keepdims=True) * 0.7
    return u8(np.concatenate([cmy - k, k], axis=-1))


def without_app14(jpeg):
    """The JPEG with its APP14 (Adobe) segment removed."""
    start = jpeg.index(b"\xff\xee")
    length = int.from_bytes(jpeg[start + 2:start + 4], "big")
    return jpeg[:start] + jpeg[start + 2 + length:]


def main():
    os.makedirs(OUT, exist_ok=True)
    save = lambda im, name, **kw: im.save(os.path.join(OUT, name), **kw)

    # Plain RGB: landscape, portrait with odd sizes, a very tall narrow one, an exact 448 square.
    save(Image.fromarray(u8(pattern(600, 400, 1))), "landscape_600x400.png")
    save(Image.fromarray(u8(pattern(333, 517, 2))), "portrait_333x517.png")
    save(Image.fromarray(u8(pattern(151, 599, 3))), "tall_151x599.png")
    save(Image.fromarray(u8(pattern(448, 448, 4))), "square_448.png")
    # Small image: upscaled by both preprocessors.
    save(Image.fromarray(u8(pattern(97, 71, 5, noise=0.5))), "small_97x71.png")

    # JPEG with odd sizes (4:2:0 chroma subsampling, PIL's default).
    save(Image.fromarray(u8(pattern(517, 301, 6))), "landscape_517x301.jpg", quality=90)

    # RGBA: alpha gradient, a fully transparent band hiding saturated colour, an opaque block.
    rgb = u8(pattern(400, 300, 7))
    yy, xx = np.mgrid[0:300, 0:400]
    alpha = np.clip(xx * 255.0 / 399, 0, 255)
    alpha[(yy > 120) & (yy < 160)] = 0
    rgb[(yy > 120) & (yy < 160)] = [255, 0, 255]
    alpha[(xx > 300) & (yy > 200)] = 255
    save(Image.fromarray(np.dstack([rgb, u8(alpha)]), "RGBA"), "rgba_400x300.png")

    # Grayscale (L).
    gray = pattern(300, 450, 8) @ np.array([0.299, 0.587, 0.114])
    save(Image.fromarray(u8(gray), "L"), "gray_L_300x450.png")

    # Palette (P) with a transparent index, and a GIF-like palette without one.
    p_src = Image.fromarray(u8(pattern(350, 250, 9)))
    p = p_src.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    save(p, "palette_P_350x250.png", transparency=0)

    # 16-bit grayscale (PIL mode I): full range, so PIL's convert("RGB") clips most of it to white.
    # The low byte is random, so taking the high byte and rounding v/257 give different values.
    g16 = np.floor(pattern(256, 320, 10)[..., 1]) * 256 + np.random.RandomState(10).randint(0, 256, size=(320, 256))
    save(Image.fromarray(g16.astype(np.uint16), "I;16"), "gray16_256x320.png")
    # 16-bit RGB, RGBA and gray+alpha (PIL cannot write these; see write_png16). The low byte is
    # random, so taking the high byte (PIL) and rounding v/257 give different 8-bit values.
    rng = np.random.RandomState(16)
    def to16(a):
        return np.clip(np.floor(a) * 256 + rng.randint(0, 256, size=a.shape), 0, 65535).astype(np.uint16)
    write_png16(os.path.join(OUT, "rgb16_240x180.png"), to16(pattern(240, 180, 11)))
    yy, xx = np.mgrid[0:150, 0:210]
    rgba16 = np.dstack([to16(pattern(210, 150, 12)), to16(xx * 255.0 / 209)])
    write_png16(os.path.join(OUT, "rgba16_210x150.png"), rgba16)
    yy, xx = np.mgrid[0:130, 0:180]
    la16 = np.dstack([to16(pattern(180, 130, 17)[..., 0]), to16(255.0 - yy * 255.0 / 129)])
    write_png16(os.path.join(OUT, "gray_alpha16_180x130.png"), la16)

    # EXIF-rotated JPEGs: pixels stored landscape, orientation 6 (rotate 90 CW to view) and 3 (180).
    stored = Image.fromarray(u8(pattern(320, 200, 13)))
    save(stored, "exif6_320x200.jpg", quality=92, exif=exif_with_orientation(6))
    save(stored, "exif3_320x200.jpg", quality=92, exif=exif_with_orientation(3))

    # WebP, lossy, and lossless with alpha.
    save(Image.fromarray(u8(pattern(450, 300, 14))), "photo_450x300.webp", quality=85, method=4)
    rgba = np.dstack([u8(pattern(300, 220, 15)), u8(np.tile(np.linspace(0, 255, 300), (220, 1)))])
    save(Image.fromarray(rgba, "RGBA"), "alpha_300x220.webp", lossless=True)

    # CMYK JPEGs, written the Adobe way (inverted, with an APP14 "Adobe" marker) as PIL and Photoshop
    # do: one with an embedded profile, one without (decoded through the standard profile), and the
    # same file with the Adobe marker removed.
    save(Image.fromarray(to_cmyk(pattern(320, 240, 18)), "CMYK"), "cmyk_icc_320x240.jpg", quality=92, icc_profile=cmyk_profile())
    save(Image.fromarray(to_cmyk(pattern(300, 200, 19)), "CMYK"), "cmyk_300x200.jpg", quality=92)
    with open(os.path.join(OUT, "cmyk_300x200.jpg"), "rb") as f:
        adobe = f.read()
    with open(os.path.join(OUT, "cmyk_no_adobe_300x200.jpg"), "wb") as f:
        f.write(without_app14(adobe))

    for name in sorted(os.listdir(OUT)):
        path = os.path.join(OUT, name)
        with Image.open(path) as im:
            print(f"{name:28s} {im.format:5s} {im.mode:5s} {im.size[0]}x{im.size[1]} {os.path.getsize(path):>8d} B")


if __name__ == "__main__":
    main()
