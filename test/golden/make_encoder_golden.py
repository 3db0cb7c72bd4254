#!/usr/bin/python3
"""Reference preprocessing tensors for the DINOv2 and CCIP encoders, on a few of the committed test images.

Run with Debian's interpreter (python3-pil, python3-numpy), after make_golden.py:

    /usr/bin/python3 test/golden/make_encoder_golden.py

DINOv2: transformers' BitImageProcessor, whose PIL path is CLIPImageProcessor's with other settings, so
make_golden.clip_preprocess runs it with the settings of onnx-community/dinov2-small's
preprocessor_config.json (the fixture model copies them; DINO_CONFIG below).
CCIP: deepghs imgutils (imgutils/metrics/ccip.py, imgutils/data/image.py), re-implemented step by step:
load_image(mode="RGB") pastes images with alpha onto white (Image.paste with the image as its own mask; a
mask PIL refuses leaves the image as it is), converts to RGB; _preprocess_image resizes to 384x384 with
BILINEAR, divides by 255 in float32 and normalizes with CLIP mean/std in float64; the batch is cast to float32.

Writes, under test/golden/golden/:
  dinov2/<image>.u8.npy.gz   uint8 HWC RGB after resize + centre crop (rescale/normalize are exact functions of it)
  dinov2/<image>.f32.npy.gz  final float32 CHW pixel_values, for a few images
  ccip/<image>.u8.npy.gz     uint8 HWC RGB after compositing and the 384x384 resize
  ccip/normalize.f32.npy.gz  float32 [3, 256]: imgutils' value for each 8-bit level of each channel
  encoders.json              the images, sizes and settings
"""

import json
import os

import numpy as np
from PIL import Image

from make_golden import HERE, IMAGES, OUT, OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, clip_preprocess, open_decoded, save_npy_gz

DINO_CONFIG = {
    "crop_size": {"height": 224, "width": 224},
    "do_center_crop": True,
    "do_convert_rgb": True,
    "do_normalize": True,
    "do_rescale": True,
    "do_resize": True,
    "image_mean": [0.485, 0.456, 0.406],
    "image_processor_type": "BitImageProcessor",
    "image_std": [0.229, 0.224, 0.225],
    "resample": 3,
    "rescale_factor": 0.00392156862745098,
    "size": {"shortest_edge": 256},
}
DINO_IMAGES = ["landscape_600x400.png", "portrait_333x517.png", "small_97x71.png", "rgba_400x300.png", "tall_151x599.png"]
DINO_FLOAT = {"landscape_600x400.png", "rgba_400x300.png"}
# palette_P_350x250.png is left out on purpose: imgutils leaves a palette image with a transparent index
# uncomposited (PIL refuses a P mask), which lora-eval's decoded RGBA cannot tell from real alpha.
CCIP_IMAGES = ["landscape_600x400.png", "rgba_400x300.png", "small_97x71.png", "alpha_300x220.webp"]
CCIP_SIZE = 384


def has_alpha_channel(image):
    if image.mode in ("RGBA", "LA", "PA"):
        return True
    if getattr(image, "palette"):
        try:
            image.palette.getcolor((0, 0, 0, 0))
            return True
        except ValueError:
            pass
    return "transparency" in image.info


def imgutils_load_rgb(image):
    if has_alpha_channel(image):
        try:
            canvas = Image.new("RGBA", image.size, "white")
            canvas.paste(image, (0, 0), mask=image)
        except ValueError:
            canvas = image
        image = canvas if canvas.mode == "RGB" else canvas.convert("RGB")
    return image if image.mode == "RGB" else image.convert("RGB")


def imgutils_normalize(u8):
    data = u8.transpose(2, 0, 1).astype(np.float32) / 255.0
    mean, std = np.asarray(OPENAI_CLIP_MEAN), np.asarray(OPENAI_CLIP_STD)
    return ((data - mean[:, None, None]) / std[:, None, None]).astype(np.float32)


def main():
    manifest = {"generator": "test/golden/make_encoder_golden.py", "dinov2": {"config": DINO_CONFIG, "images": {}}, "ccip": {"size": CCIP_SIZE, "images": {}}}
    for name in DINO_IMAGES:
        _, image, _ = open_decoded(os.path.join(IMAGES, name))
        u8, f32, resized = clip_preprocess(image, DINO_CONFIG)
        save_npy_gz(os.path.join(OUT, "dinov2", f"{name}.u8.npy.gz"), u8)
        if name in DINO_FLOAT:
            save_npy_gz(os.path.join(OUT, "dinov2", f"{name}.f32.npy.gz"), f32.astype("<f4"))
        manifest["dinov2"]["images"][name] = {"resized_hw": list(resized), "float_golden": name in DINO_FLOAT}
    for name in CCIP_IMAGES:
        _, image, _ = open_decoded(os.path.join(IMAGES, name))
        rgb = imgutils_load_rgb(image)
        u8 = np.array(rgb.resize((CCIP_SIZE, CCIP_SIZE), resample=Image.BILINEAR))
        save_npy_gz(os.path.join(OUT, "ccip", f"{name}.u8.npy.gz"), u8)
        manifest["ccip"]["images"][name] = {"mode": image.mode, "composited": has_alpha_channel(image)}
    levels = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)  # [1, 256, 3]
    save_npy_gz(os.path.join(OUT, "ccip", "normalize.f32.npy.gz"), imgutils_normalize(levels)[:, 0, :].astype("<f4"))
    with open(os.path.join(OUT, "encoders.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(d, n)) for sub in ("dinov2", "ccip") for d, _, ns in os.walk(os.path.join(OUT, sub)) for n in ns)
    print(f"wrote {len(DINO_IMAGES)} DINOv2 and {len(CCIP_IMAGES)} CCIP goldens, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
