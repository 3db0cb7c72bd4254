"""A small ICC v2 CMYK output profile, written byte by byte, to embed in a test JPEG.

No CMYK profile ships with Debian's base system, and the decoder must be shown to use an
*embedded* profile rather than its standard one, so the test JPEG carries this profile, which
renders very differently from the standard one (libvips' "Chemical proof"): a yellowish
uncoated paper with dot gain and a weak black. Only the A2B0 table (CMYK -> Lab, lut16Type) is
written, which is all a CMYK -> sRGB conversion reads.
"""

import struct

import numpy as np

D50 = (0.9642, 1.0, 0.8249)
SRGB_TO_XYZ_D50 = np.array([
    [0.4360747, 0.3850649, 0.1430804],
    [0.2225045, 0.7168786, 0.0606169],
    [0.0139322, 0.0971045, 0.7141733],
])


def s15fixed16(v):
    return struct.pack(">i", int(round(v * 65536)))


def lab_from_cmyk(c, m, y, k):
    """CIE Lab (D50) of ink amounts in 0..1 on uncoated paper."""
    paper = np.array([0.93, 0.91, 0.82])
    gain = lambda t: 1 - (1 - t) ** 1.6
    linear = np.stack([1 - 0.92 * gain(c), 1 - 0.88 * gain(m), 1 - 0.95 * gain(y)], -1)
    linear = linear * (1 - 0.9 * gain(k))[..., None] * paper + 0.015
    xyz = linear @ SRGB_TO_XYZ_D50.T / np.array(D50)
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def a2b0_lut16(grid):
    g = np.linspace(0, 1, grid)
    c, m, y, k = np.meshgrid(g, g, g, g, indexing="ij")  # the first input varies slowest, as lut16Type stores it
    lab = lab_from_cmyk(c, m, y, k).reshape(-1, 3)
    # ICC v2 16-bit Lab: L* 100 -> 0xFF00, a* and b* 0 -> 0x8000, 256 per unit
    encoded = np.stack([lab[:, 0] * 652.8, (lab[:, 1] + 128) * 256, (lab[:, 2] + 128) * 256], -1)
    clut = np.clip(np.round(encoded), 0, 65535).astype(">u2").tobytes()
    identity_curve = np.round(np.linspace(0, 65535, 256)).astype(">u2").tobytes()
    body = b"mft2" + bytes(4) + bytes([4, 3, grid, 0])
    body += b"".join(s15fixed16(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    body += struct.pack(">HH", 256, 256) + identity_curve * 4 + clut + identity_curve * 3
    return body


def text_description(text):
    ascii_text = text.encode("ascii") + b"\0"
    # textDescriptionType: ASCII part, then empty Unicode and ScriptCode parts
    return b"desc" + bytes(4) + struct.pack(">I", len(ascii_text)) + ascii_text + bytes(8) + bytes(3) + bytes(67)


def cmyk_profile(grid=9):
    tags = [
        (b"desc", text_description("lora-eval test CMYK (uncoated paper)")),
        (b"cprt", b"text" + bytes(4) + b"Public domain test profile\0"),
        (b"wtpt", b"XYZ " + bytes(4) + b"".join(s15fixed16(v) for v in D50)),
        (b"A2B0", a2b0_lut16(grid)),
    ]
    data_start = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        data += bytes(-(data_start + len(data)) % 4)
        table += signature + struct.pack(">II", data_start + len(data), len(body))
        data += body
    data += bytes(-len(data) % 4)
    size = data_start + len(data)
    header = struct.pack(">I", size) + bytes(4) + struct.pack(">I", 0x02100000) + b"prtrCMYKLab "
    header += struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp" + bytes(24)
    header += struct.pack(">I", 0) + b"".join(s15fixed16(v) for v in D50) + bytes(48)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data
