#!/usr/bin/env python3
"""Reference answers for test/ingest, computed the way the original tools compute them.

- parse(): the parsing core of AUTOMATIC1111's modules/infotext_utils.py parse_generation_parameters
  (same regular expression, same line handling; A1111's defaults for missing keys left out).
- expand(): the range expansion of scripts/xyz_grid.py process_axis, with numpy.
- the safetensors file written by safetensors_bytes() and its hashes: hashlib SHA-256 of the whole
  file (A1111 "Model hash", first 10 hex), of the bytes after the header (sd-scripts
  addnet_hash_safetensors, A1111 "Lora hashes" = first 12 hex), and the legacy 64 KiB hash.

Run: python3 test/ingest/data/make_reference.py  (writes reference.json next to this script; needs numpy).
"""
import csv
import hashlib
import json
import re
import struct
from io import StringIO
from itertools import chain

import numpy as np

re_param_code = r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)'
re_param = re.compile(re_param_code)


def unquote(text):
    if len(text) == 0 or text[0] != '"' or text[-1] != '"':
        return text
    try:
        return json.loads(text)
    except Exception:
        return text


def parse(x):
    res = {}
    prompt = ""
    negative_prompt = ""
    done_with_prompt = False
    *lines, lastline = x.strip().split("\n")
    if len(re_param.findall(lastline)) < 3:
        lines.append(lastline)
        lastline = ''
    for line in lines:
        line = line.strip()
        if line.startswith("Negative prompt:"):
            done_with_prompt = True
            line = line[16:].strip()
        if done_with_prompt:
            negative_prompt += ("" if negative_prompt == "" else "\n") + line
        else:
            prompt += ("" if prompt == "" else "\n") + line
    params = {}
    for k, v in re_param.findall(lastline):
        try:
            if v[0] == '"' and v[-1] == '"':
                v = unquote(v)
            params[k] = v
        except Exception:
            pass
    return {"prompt": prompt, "negativePrompt": negative_prompt, "params": params}


INFOTEXTS = [
    "girl with an artist's beret, determined, blue eyes, desert scene, computer monitors, heavy makeup, by Alphonse Mucha and Charlie Bowater, ((eyeshadow)), (coquettish), detailed, intricate\nNegative prompt: ugly, fat, obese, chubby, (((deformed))), [blurry], bad anatomy, disfigured, poorly drawn face, mutation, mutated, (extra_limb), (ugly), (poorly drawn hands), messy drawing\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 965400086, Size: 512x512, Model hash: 45dee52b",
    "anis, 1girl, <lora:anis_nai:0.65>, smile\nSteps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 42, Size: 512x768, Model hash: 6e430eb514, Model: anything-v4.5, Clip skip: 2, Lora hashes: \"anis_nai: 0123456789ab, style: ba9876543210\", TI hashes: \"easynegative: c74b4e810b03\", Version: v1.10.1",
    "first line of the prompt,\n  second line, indented  \nthird: line with a colon\nNegative prompt: bad hands,\nworst quality\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 64x64, Model: m",
    "only a prompt, no parameters",
    "a prompt\nSteps: 20, Sampler: Euler",
    "Negative prompt: nothing positive\nSteps: 5, Seed: 9, Model: x",
    "weird \"quoted\" prompt\nSteps: 10, Prompt: \"a, b \\\"c\\\"\", Seed: 3, Broken: \"unterminated, Model: q",
    "  \n\nspaced prompt\t\n\nSteps: 1, Sampler: A, Seed: 2, Size: 8x8\n\n",
    "ünïcödé プロンプト\nNegative prompt: 低品質\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 7, Ünï Key: välue, Model: モデル",
    "x\nSteps:20,Seed:5,Model:a,b",
    "p\nSteps: 20, Sampler: Euler, Seed: 4, X Type: Checkpoint name, X Values: \"anything-v4.5.safetensors [6e430eb514], counterfeit-v3.safetensors [cbfba64e66]\", Y Type: Prompt S/R, Y Values: \"<lora:anis:0>, <lora:anis:0.5>, <lora:anis:1>\", Script: X/Y/Z plot",
]


def csv_string_to_list_strip(data_str):
    return list(map(str.strip, chain.from_iterable(csv.reader(StringIO(data_str)))))


re_range = re.compile(r"\s*([+-]?\s*\d+)\s*-\s*([+-]?\s*\d+)(?:\s*\(([+-]\d+)\s*\))?\s*")
re_range_float = re.compile(r"\s*([+-]?\s*\d+(?:.\d*)?)\s*-\s*([+-]?\s*\d+(?:.\d*)?)(?:\s*\(([+-]\d+(?:.\d*)?)\s*\))?\s*")
re_range_count = re.compile(r"\s*([+-]?\s*\d+)\s*-\s*([+-]?\s*\d+)(?:\s*\[(\d+)\s*])?\s*")
re_range_count_float = re.compile(r"\s*([+-]?\s*\d+(?:.\d*)?)\s*-\s*([+-]?\s*\d+(?:.\d*)?)(?:\s*\[(\d+(?:.\d*)?)\s*])?\s*")


def expand(kind, vals):
    valslist = csv_string_to_list_strip(vals)
    out = []
    for val in valslist:
        if kind == 'int':
            m = re_range.fullmatch(val)
            mc = re_range_count.fullmatch(val)
            if m is not None:
                out += list(range(int(m.group(1)), int(m.group(2)) + 1, int(m.group(3)) if m.group(3) is not None else 1))
            elif mc is not None:
                out += [int(x) for x in np.linspace(start=int(mc.group(1)), stop=int(mc.group(2)), num=int(mc.group(3)) if mc.group(3) is not None else 1).tolist()]
            else:
                out.append(int(val))
        elif kind == 'float':
            m = re_range_float.fullmatch(val)
            mc = re_range_count_float.fullmatch(val)
            if m is not None:
                step = float(m.group(3)) if m.group(3) is not None else 1
                out += [round(x, 8) for x in np.arange(float(m.group(1)), float(m.group(2)) + step, step).tolist()]
            elif mc is not None:
                out += [round(x, 8) for x in np.linspace(start=float(mc.group(1)), stop=float(mc.group(2)), num=int(mc.group(3)) if mc.group(3) is not None else 1).tolist()]
            else:
                out.append(float(val))
        else:
            out.append(val)
    return out


AXES = [
    ('int', '1-5'),
    ('int', '1-9 (+2)'),
    ('int', '10-1 (-3)'),
    ('int', '0-100 [5]'),
    ('int', '7, 3-4, 100'),
    ('float', '0-1 (+0.25)'),
    ('float', '0-1 [5]'),
    ('float', '0.65, 1, 0-0.2 (+0.1)'),
    ('float', '5-7'),
    ('text', 'a, "b, c", d'),
    ('text', 'anything-v4.5.safetensors [6e430eb514], counterfeit-v3.safetensors [cbfba64e66]'),
]


def safetensors_bytes():
    """A small LoRA-like safetensors file with sd-scripts training metadata."""
    data = bytes((i * 7 + 3) % 256 for i in range(3000))
    header = {
        "__metadata__": {"ss_sd_model_name": "animefull-final-pruned.ckpt", "ss_base_model_version": "sd_v1", "ss_output_name": "anis_nai", "ss_network_dim": "8"},
        "lora_unet_down.weight": {"dtype": "F16", "shape": [8, 100], "data_offsets": [0, 1600]},
        "lora_unet_up.weight": {"dtype": "F16", "shape": [100, 7], "data_offsets": [1600, 3000]},
    }
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


def big_file_bytes():
    """2 MiB + 5 bytes: covers the legacy hash window at 1 MiB and several 1 MiB read chunks."""
    n = 2 * 1024 * 1024 + 5
    return bytes((i * 31 + (i >> 11)) % 251 for i in range(n))


def hashes(b):
    n = struct.unpack("<Q", b[:8])[0]
    return {
        "sha256": hashlib.sha256(b).hexdigest(),
        "a1111": hashlib.sha256(b).hexdigest()[:10],
        "addnet": hashlib.sha256(b[8 + n:]).hexdigest(),
        "legacy": hashlib.sha256(b[0x100000:0x100000 + 0x10000]).hexdigest()[:8],
    }


if __name__ == "__main__":
    import os
    st = safetensors_bytes()
    big = big_file_bytes()
    reference = {
        "infotexts": [{"text": x, **parse(x)} for x in INFOTEXTS],
        "axes": [{"kind": k, "values": v, "expanded": expand(k, v)} for k, v in AXES],
        "safetensors": {"length": len(st), "headerBytes": struct.unpack("<Q", st[:8])[0], **hashes(st)},
        "bigFile": {"length": len(big), "sha256": hashlib.sha256(big).hexdigest(), "legacy": hashlib.sha256(big[0x100000:0x110000]).hexdigest()[:8]},
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(reference, f, ensure_ascii=False, indent=1)
        f.write("\n")
