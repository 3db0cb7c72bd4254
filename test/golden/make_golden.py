#!/usr/bin/python3
"""Compute the reference preprocessing tensors for the committed test images.

Run with Debian's interpreter (python3-pil, python3-numpy):

    /usr/bin/python3 test/golden/make_golden.py [path/to/preprocessor_config.json]

The CLIP config defaults to ../shared/data/clip-vit-b32-tokenizer/preprocessor_config.json
(openai/clip-vit-base-patch32). transformers is not installed, so its CLIPImageProcessor
path (PIL backend) is re-implemented below step by step from its source:
  image_processing_clip.CLIPImageProcessor.preprocess / .resize,
  image_transforms.convert_to_rgb, get_resize_output_image_size, resize, center_crop,
  rescale, normalize; image_processing_utils.get_size_dict.
The tagger path is prepare_image() of SmilingWolf's wd-tagger Hugging Face space (app.py),
fed as that app feeds it: a gradio Image(type="pil", image_mode="RGBA"), i.e. convert("RGBA").
Both start from Image.open(path) followed by ImageOps.exif_transpose, which is the
decoding contract of src/imaging/decode.ts, except where lora-eval deliberately decodes the
picture the file shows instead of what PIL's convert() makes of it (see reference_decode):
  16-bit grayscale (mode I)  the high byte of each sample (numpy >> 8), where convert() clips at 255
  CMYK                       ImageCms, perceptual intent, to sRGB through the embedded profile, or
                             the standard profile in profiles/ when there is none, where convert()
                             uses a naive formula

Writes, under test/golden/golden/:
  clip/<image>.u8.npy.gz     uint8 HWC RGB after resize + center crop (before rescale/normalize;
                             those two are exact functions of these bytes)
  clip/<image>.f32.npy.gz    final float32 CHW pixel_values, for a few images only
  tagger/<image>.u8.npy.gz   uint8 HWC BGR tagger input (the float32 tensor is exactly this cast)
  manifest.json              per-image facts (decoded size, mode, RGBA sha256, resize sizes)
"""

import gzip
import hashlib
import io
import json
import math
import os
import sys

import numpy as np
import PIL
from PIL import Image, ImageCms, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
IMAGES = os.path.join(HERE, "images")
IMAGES_DIR_SRC = IMAGES
OUT = os.path.join(HERE, "golden")
DEFAULT_CONFIG = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "clip-vit-b32-tokenizer", "preprocessor_config.json"))
TAGGER_SIZE = 448
# libvips' built-in "cmyk" profile (Argyll's "Chemical proof", public domain), the standard profile
# lora-eval uses for CMYK images without one; extracted from sharp with withIccProfile('cmyk').
STANDARD_CMYK_PROFILE = os.path.join(HERE, "profiles", "chemical-proof-cmyk.icc.gz")
FLOAT_GOLDEN = {"landscape_600x400.png", "rgba_400x300.png"}

OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


# ----------------------------------------------------------------------------------------
# transformers: image_processing_utils.get_size_dict (the branches CLIP configs use)
# ----------------------------------------------------------------------------------------
def get_size_dict(size, default_to_square):
    if isinstance(size, dict):
        return size
    if isinstance(size, int) and default_to_square:
        return {"height": size, "width": size}
    if isinstance(size, int):
        return {"shortest_edge": size}
    if isinstance(size, (tuple, list)):
        return {"height": size[0], "width": size[1]}
    raise ValueError(f"Could not convert size input to size dict: {size}")


# ----------------------------------------------------------------------------------------
# transformers: image_transforms
# ----------------------------------------------------------------------------------------
def convert_to_rgb(image):
    if image.mode == "RGB":
        return image
    return image.convert("RGB")


def get_resize_output_image_size(image, size, default_to_square):
    if isinstance(size, (tuple, list)):
        return tuple(size)
    if default_to_square:
        return (size, size)
    height, width = image.shape[:2]
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = size, int(size * long / short)
    return (new_long, new_short) if width <= height else (new_short, new_long)


def pil_resize(image, size, resample):
    # image_transforms.resize: uint8 arrays go to PIL unscaled (to_pil_image), resized, back to numpy.
    assert image.dtype == np.uint8
    height, width = size
    resized = Image.fromarray(image).resize((width, height), resample=resample, reducing_gap=None)
    return np.array(resized)


def center_crop(image, size):
    # Works in HWC here; the index arithmetic is the same as transformers' CHW version.
    orig_height, orig_width = image.shape[:2]
    crop_height, crop_width = int(size[0]), int(size[1])
    top = (orig_height - crop_height) // 2
    bottom = top + crop_height
    left = (orig_width - crop_width) // 2
    right = left + crop_width
    if top >= 0 and bottom <= orig_height and left >= 0 and right <= orig_width:
        return image[top:bottom, left:right]
    new_height = max(crop_height, orig_height)
    new_width = max(crop_width, orig_width)
    new_image = np.zeros_like(image, shape=(new_height, new_width) + image.shape[2:])
    top_pad = math.ceil((new_height - orig_height) / 2)
    left_pad = math.ceil((new_width - orig_width) / 2)
    new_image[top_pad:top_pad + orig_height, left_pad:left_pad + orig_width] = image
    top += top_pad
    bottom += top_pad
    left += left_pad
    right += left_pad
    return new_image[max(0, top):min(new_height, bottom), max(0, left):min(new_width, right)]


def rescale(image, scale):
    return (image.astype(np.float64) * scale).astype(np.float32)


def normalize(image, mean, std):
    if not np.issubdtype(image.dtype, np.floating):
        image = image.astype(np.float32)
    mean = np.array(mean, dtype=image.dtype)
    std = np.array(std, dtype=image.dtype)
    return (image - mean) / std


# ----------------------------------------------------------------------------------------
# transformers: CLIPImageProcessor.preprocess (PIL input, channels-last in, channels-first out)
# ----------------------------------------------------------------------------------------
def clip_preprocess(pil_image, cfg):
    do_resize = cfg.get("do_resize", True)
    size = get_size_dict(cfg.get("size", {"shortest_edge": 224}), default_to_square=False)
    resample = cfg.get("resample", 3)
    do_center_crop = cfg.get("do_center_crop", True)
    crop_size = get_size_dict(cfg.get("crop_size", {"height": 224, "width": 224}), default_to_square=True)
    do_rescale = cfg.get("do_rescale", True)
    rescale_factor = cfg.get("rescale_factor", 1 / 255)
    do_normalize = cfg.get("do_normalize", True)
    image_mean = cfg.get("image_mean", OPENAI_CLIP_MEAN)
    image_std = cfg.get("image_std", OPENAI_CLIP_STD)
    do_convert_rgb = cfg.get("do_convert_rgb", True)

    image = pil_image
    if do_convert_rgb:
        image = convert_to_rgb(image)
    image = np.array(image)  # to_numpy_array
    resized_size = None
    if do_resize:
        if "shortest_edge" in size:
            out = get_resize_output_image_size(image, size["shortest_edge"], default_to_square=False)
        else:
            out = (size["height"], size["width"])
        resized_size = out
        image = pil_resize(image, out, resample)
    if do_center_crop:
        image = center_crop(image, (crop_size["height"], crop_size["width"]))
    stage_u8 = image.copy()
    if do_rescale:
        image = rescale(image, rescale_factor)
    if do_normalize:
        image = normalize(image, image_mean, image_std)
    return stage_u8, np.ascontiguousarray(image.transpose(2, 0, 1)), resized_size


# ----------------------------------------------------------------------------------------
# SmilingWolf/wd-tagger app.py: Predictor.prepare_image
# ----------------------------------------------------------------------------------------
def tagger_prepare_image(image, target_size):
    canvas = Image.new("RGBA", image.size, (255, 255, 255))
    canvas.alpha_composite(image)
    image = canvas.convert("RGB")

    image_shape = image.size
    max_dim = max(image_shape)
    pad_left = (max_dim - image_shape[0]) // 2
    pad_top = (max_dim - image_shape[1]) // 2

    padded_image = Image.new("RGB", (max_dim, max_dim), (255, 255, 255))
    padded_image.paste(image, (pad_left, pad_top))

    if max_dim != target_size:
        padded_image = padded_image.resize((target_size, target_size), Image.BICUBIC)

    image_array = np.asarray(padded_image, dtype=np.float32)
    image_array = image_array[:, :, ::-1]
    return np.expand_dims(image_array, axis=0), max_dim, (pad_left, pad_top)


# ----------------------------------------------------------------------------------------
def save_npy_gz(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array))
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as gz:
            gz.write(buf.getvalue())


def open_decoded(path):
    image = Image.open(path)
    decoded, how = reference_decode(ImageOps.exif_transpose(image))
    return image, decoded, how


def reference_decode(image):
    """The picture the file shows, as an image PIL's convert("RGB"/"RGBA") then renders correctly."""
    if image.mode in ("I", "I;16", "I;16B"):
        high_bytes = (np.asarray(image).astype(np.uint32) >> 8).astype(np.uint8)
        return Image.fromarray(high_bytes, "L"), "high byte of 16-bit samples (numpy >> 8)"
    if image.mode == "CMYK":
        embedded = image.info.get("icc_profile")
        if embedded:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(embedded))
        else:
            with gzip.open(STANDARD_CMYK_PROFILE) as f:
                profile = ImageCms.ImageCmsProfile(io.BytesIO(f.read()))
        name = ImageCms.getProfileDescription(profile).strip()
        rgb = ImageCms.profileToProfile(
            image, profile, ImageCms.createProfile("sRGB"), renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB"
        )
        return rgb, f"ImageCms {'embedded' if embedded else 'standard'} profile \"{name}\" -> sRGB, perceptual"
    return image, "pillow"


def main():
    config_path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CONFIG
    with open(config_path) as f:
        cfg = json.load(f)

    manifest = {
        "generator": "test/golden/make_golden.py",
        "pillow": PIL.__version__,
        "numpy": np.__version__,
        "clip_config": os.path.relpath(os.path.realpath(config_path), os.path.realpath(REPO)),
        "tagger_size": TAGGER_SIZE,
        "images": {},
    }
    print(f"Pillow {PIL.__version__}, numpy {np.__version__}, CLIP config {config_path}")
    print(f"{'image':28s} {'mode':5s} {'decoded':>9s} {'clip resize':>11s} {'tagger square':>13s}")
    for name in sorted(os.listdir(IMAGES)):
        raw, image, how = open_decoded(os.path.join(IMAGES, name))
        rgba = image.convert("RGBA")
        stem = name
        entry = {
            "format": raw.format.lower(),
            "mode": raw.mode,
            "decode": how,
            "stored_size": list(raw.size),
            "width": image.size[0],
            "height": image.size[1],
            "rgba_sha256": hashlib.sha256(np.asarray(rgba).tobytes()).hexdigest(),
        }
        if raw.mode == "CMYK":
            # Colour management in libvips and in PIL differ slightly (lcms versions, float vs 8-bit
            # intermediate), so these are compared with a bound, against the RGBA bytes kept here.
            entry["decode_exact"] = False
            save_npy_gz(os.path.join(OUT, "decode", f"{stem}.u8.npy.gz"), np.asarray(rgba))

        clip_u8, clip_f32, resized = clip_preprocess(image, cfg)
        save_npy_gz(os.path.join(OUT, "clip", f"{stem}.u8.npy.gz"), clip_u8)
        entry["clip_resized_hw"] = list(resized) if resized else None
        entry["clip_upscaled"] = bool(resized and min(resized) > min(image.size[1], image.size[0]))
        if name in FLOAT_GOLDEN:
            save_npy_gz(os.path.join(OUT, "clip", f"{stem}.f32.npy.gz"), clip_f32.astype("<f4"))
            entry["clip_float_golden"] = True

        tagger, max_dim, pad = tagger_prepare_image(rgba, TAGGER_SIZE)
        tagger_u8 = tagger[0].astype(np.uint8)
        assert np.array_equal(tagger_u8.astype(np.float32), tagger[0]), "tagger tensor is not integral"
        save_npy_gz(os.path.join(OUT, "tagger", f"{stem}.u8.npy.gz"), tagger_u8)
        entry["tagger_square"] = max_dim
        entry["tagger_pad_left_top"] = list(pad)
        entry["tagger_resized"] = max_dim != TAGGER_SIZE
        entry["tagger_upscaled"] = max_dim < TAGGER_SIZE

        manifest["images"][name] = entry
        print(f"{name:28s} {raw.mode:5s} {image.size[0]:>4d}x{image.size[1]:<4d} "
              f"{(f'{resized[1]}x{resized[0]}' if resized else '-'):>11s} {max_dim:>13d}")

    write_resample_goldens(manifest)
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")

    write_npy_fixtures()
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(HERE) for n in ns)
    print(f"test/golden total size: {total / 1e6:.2f} MB")


RESAMPLE_CASES = [
    # (source image, PIL filter, width, height): every filter, both directions, one-pass and mixed cases
    ("landscape_600x400.png", Image.BICUBIC, 640, 60),     # wider but shorter: up on x, down on y
    ("landscape_600x400.png", Image.BICUBIC, 600, 75),     # vertical pass only
    ("landscape_600x400.png", Image.BICUBIC, 150, 400),    # horizontal pass only
    ("landscape_600x400.png", Image.BILINEAR, 123, 97),
    ("landscape_600x400.png", Image.LANCZOS, 123, 97),
    ("landscape_600x400.png", Image.BOX, 123, 97),
    ("landscape_600x400.png", Image.HAMMING, 123, 97),
    ("small_97x71.png", Image.BILINEAR, 200, 150),
    ("small_97x71.png", Image.LANCZOS, 200, 150),
    ("small_97x71.png", Image.HAMMING, 200, 150),
]


def write_resample_goldens(manifest):
    """Pillow Image.resize of RGB test images with each filter, to check the resampler port directly."""
    cases = []
    for name, resample, width, height in RESAMPLE_CASES:
        _, image, _ = open_decoded(os.path.join(IMAGES_DIR_SRC, name))
        out = np.array(image.convert("RGB").resize((width, height), resample=resample, reducing_gap=None))
        file = f"{name}.{int(resample)}.{width}x{height}.u8.npy.gz"
        save_npy_gz(os.path.join(OUT, "resample", file), out)
        cases.append({"image": name, "resample": int(resample), "width": width, "height": height, "file": file})
    manifest["resample"] = cases


def write_npy_fixtures():
    """Tiny files written by numpy itself, to check encodeNpy/decodeNpy byte for byte."""
    out = os.path.join(OUT, "npy")
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "f4_2x3.npy"), (np.arange(6, dtype="<f4").reshape(2, 3) * 0.5 - 1.25))
    np.save(os.path.join(out, "f4_5.npy"), np.array([0.0, -0.0, 1.5, np.inf, 3.4028235e38], dtype="<f4"))
    np.save(os.path.join(out, "f4_1x2x2x3.npy"), np.linspace(-1, 1, 12, dtype="<f4").reshape(1, 2, 2, 3))
    np.save(os.path.join(out, "u1_2x2x3.npy"), np.arange(12, dtype=np.uint8).reshape(2, 2, 3) * 21)


if __name__ == "__main__":
    main()
