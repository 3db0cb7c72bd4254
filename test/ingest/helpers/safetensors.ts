/** Safetensors files for tests, byte for byte as data/make_reference.py writes them. */

export function writeSafetensors(tensors: Record<string, unknown>, metadata: Record<string, string>, data: Buffer): Buffer {
  let header = Buffer.from(JSON.stringify({ __metadata__: metadata, ...tensors }));
  header = Buffer.concat([header, Buffer.alloc((8 - (header.length % 8)) % 8, 0x20)]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, header, data]);
}

/** The small LoRA-like file of make_reference.py's safetensors_bytes(). */
export function safetensorsBytes(): Buffer {
  const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7 + 3) % 256));
  return writeSafetensors(
    {
      'lora_unet_down.weight': { dtype: 'F16', shape: [8, 100], data_offsets: [0, 1600] },
      'lora_unet_up.weight': { dtype: 'F16', shape: [100, 7], data_offsets: [1600, 3000] },
    },
    { ss_sd_model_name: 'animefull-final-pruned.ckpt', ss_base_model_version: 'sd_v1', ss_output_name: 'anis_nai', ss_network_dim: '8' },
    data,
  );
}

/** make_reference.py's big_file_bytes(): 2 MiB + 5 bytes. */
export function bigFileBytes(): Buffer {
  const n = 2 * 1024 * 1024 + 5;
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >> 11)) % 251;
  return out;
}
