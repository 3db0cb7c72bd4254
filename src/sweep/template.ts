/** Path templates such as "{base}/{target}/w{weight}/{prompt}-{seed}.png". */

const placeholder = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function templateFields(template: string): string[] {
  return [...template.matchAll(placeholder)].map((m) => m[1]);
}

export function fillTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(placeholder, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template "${template}" uses {${name}}, which has no value`);
    return String(value);
  });
}
