#!/usr/bin/env node
// A stand-in for the Docker client, for testing run.sh without Docker or a GPU. It keeps its state in
// $FAKE_DOCKER_STATE, checks what a real run would need (bind-mount sources, the config and prompt files, the
// folders gen_img.py writes into), and does what train_network.py and gen_img.py would leave behind: the LoRA
// files of the sampled epochs, one file per prompt line. A command containing $FAKE_DOCKER_FAIL fails.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const state = process.env.FAKE_DOCKER_STATE;
const args = process.argv.slice(2);
fs.appendFileSync(path.join(state, 'calls.log'), args.join(' ') + '\n');
fs.appendFileSync(path.join(state, 'calls.jsonl'), JSON.stringify(args) + '\n');
const fail = (message, code = 125) => {
  process.stderr.write(`fake docker: ${message}\n`);
  process.exit(code);
};

if (args[0] === 'image' && args[1] === 'inspect') process.exit(fs.existsSync(path.join(state, 'built')) ? 0 : 1);
if (args[0] === 'build') {
  const context = args[args.length - 1];
  if (!fs.existsSync(path.join(context, 'Dockerfile'))) fail(`no Dockerfile in ${context}`);
  fs.writeFileSync(path.join(state, 'built'), args[2]);
  process.exit(0);
}
if (args[0] !== 'run') fail(`unexpected command ${args.join(' ')}`);

const mounts = [];
let i = 1;
const withValue = new Set(['-v', '-e', '-w', '--user', '--gpus']);
for (; i < args.length; i++) {
  const a = args[i];
  if (a === '-v') {
    const parts = args[i + 1].split(':');
    if (parts.length < 2 || parts.length > 3) fail(`invalid volume specification: '${args[i + 1]}'`);
    const [host, container] = parts;
    if (!fs.existsSync(host)) fail(`bind source path does not exist: ${host}`);
    mounts.push({ host, container });
  }
  if (withValue.has(a)) i++;
  else if (!a.startsWith('-')) break;
}
if (!args.includes('--gpus')) fail('no GPU requested');
const command = args.slice(i + 1);
if (process.env.FAKE_DOCKER_FAIL && command.join(' ').includes(process.env.FAKE_DOCKER_FAIL)) fail('simulated failure', 7);

mounts.sort((a, b) => b.container.length - a.container.length);
const toHost = (p) => {
  for (const m of mounts) if (p === m.container || p.startsWith(m.container + '/')) return m.host + p.slice(m.container.length);
  fail(`${p} is not inside any mount`);
};
const value = (name) => command[command.indexOf(name) + 1];
const need = (p) => {
  const host = toHost(p);
  if (!fs.existsSync(host)) fail(`${p} (${host}) does not exist`);
  return host;
};

if (command[1] === 'train_network.py') {
  const config = fs.readFileSync(need(value('--config_file')), 'utf8');
  const get = (key) => (new RegExp(`^${key} = "?([^"\\n]*)"?$`, 'm').exec(config) ?? [])[1];
  need(get('pretrained_model_name_or_path'));
  need(get('dataset_config'));
  const out = toHost(get('output_dir'));
  const epochs = Number(get('max_train_epochs'));
  const every = Number(get('save_every_n_epochs') ?? 0);
  fs.mkdirSync(out, { recursive: true });
  for (let e = every; every && e < epochs; e += every) {
    fs.writeFileSync(path.join(out, `${get('output_name')}-${String(e).padStart(6, '0')}.safetensors`), 'lora');
  }
  fs.writeFileSync(path.join(out, `${get('output_name')}.safetensors`), 'lora');
  process.stdout.write(`trained ${epochs} epochs\n`);
} else if (command[1] === 'gen_img.py') {
  need(value('--ckpt'));
  if (command.includes('--network_weights')) need(value('--network_weights'));
  const outdir = need(value('--outdir'));
  const lines = fs
    .readFileSync(need(value('--from_file')), 'utf8')
    .split('\n')
    .filter(Boolean);
  for (const line of lines) {
    const file = path.join(outdir, line.slice(line.lastIndexOf(' --f ') + 5));
    if (!fs.existsSync(path.dirname(file))) fail(`FileNotFoundError: ${path.dirname(file)}`, 1);
    fs.writeFileSync(file, line);
  }
  process.stdout.write(`generated ${lines.length} images\n`);
} else {
  fail(`unexpected container command ${command.join(' ')}`);
}
