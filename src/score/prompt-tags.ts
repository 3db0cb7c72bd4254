/**
 * Danbooru-style tags written in a prompt: comma-separated, lowercased, spaces as underscores,
 * attention weights "(tag:1.2)" and brackets removed, <lora:…> tags dropped.
 */
export function promptTags(text: string): string[] {
  const tags = text
    .replace(/<[^>]*>/g, ',')
    .split(/[,\n]/)
    .map((part) =>
      part
        .replace(/:\s*[\d.]+\s*\)?\s*$/, '')
        .replace(/[()[\]{}]/g, '')
        .trim()
        .toLowerCase()
        .replace(/\s+/g, '_'),
    )
    .filter((t) => t.length > 0);
  return [...new Set(tags)];
}
