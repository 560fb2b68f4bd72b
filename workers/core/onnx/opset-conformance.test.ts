/**
 * The opset upgrader as conformance: every ONNX backend node test (Debian's libonnx-testdata) whose
 * model imports ai.onnx below opset 13 is upgraded to 13, 17 and 21, and onnxruntime-node runs the
 * original and the upgraded model on test_data_set_0. Where onnxruntime runs both, the outputs must be
 * identical (floats: within 1e-5 of the output's largest magnitude). A case the upgrader refuses must
 * be refused with ZeropointError('opset-upgrade') naming the node; a case onnxruntime cannot run in
 * its original form (no kernel, a type the runner cannot carry) is counted apart.
 *
 *   original (opset < 13) --ORT--> reference
 *        | upgradeOpset(target)
 *        v
 *   upgraded (13/17/21)  --ORT--> must equal the reference   (counted: N of M)
 *
 * Set ZEROPOINT_ONNX_NODE_TESTS to use another copy of onnx/backend/test/data/node.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import { isZeropointError } from '../errors';
import type { Feeds, RunnerTensor } from '../runner';
import { decodeModel, decodeTensor } from './decode';
import { encodeModel } from './encode';
import { defaultDomainOpset, upgradeOpset } from './opset';
import { runnerTensorToFloat32, tensorProtoToRunner } from './tensor';
import type { Model } from './types';

const ROOT = process.env.ZEROPOINT_ONNX_NODE_TESTS ?? '/usr/share/libonnx-testdata/data/node';
const TARGETS = [13, 17, 21] as const;
const TOLERANCE = 1e-5;
/**
 * Measured: onnxruntime-node 1.30 runs 206 of the 221 cases below opset 13 in their original form;
 * every one of them gives the same outputs after the upgrade to each target. The others: 14 with
 * inputs the runner cannot carry or kernels onnxruntime lacks (uint32/uint64/uint16 BitShift, string
 * StringNormalizer, sequence inputs), and test_scan_sum (Scan-8), which the upgrader refuses.
 */
const IDENTICAL_FLOOR = 206;

const runner = createNodeRunner({ source: 'opset-conformance' });

async function run(bytes: Uint8Array, feeds: Feeds): Promise<Record<string, RunnerTensor>> {
  const session = await runner.createSession(bytes, { optimization: 'disabled', threads: 1 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** Where two runs differ (undefined when they agree): exact for non-floats, TOLERANCE of the output's max |ref| for floats. */
function difference(ref: Record<string, RunnerTensor>, got: Record<string, RunnerTensor>): string | undefined {
  for (const [name, r] of Object.entries(ref)) {
    const g = got[name];
    if (!g) return `output '${name}' missing`;
    if (g.type !== r.type || g.dims.join() !== r.dims.join()) return `output '${name}' is ${g.type} [${g.dims.join(', ')}], expected ${r.type} [${r.dims.join(', ')}]`;
    const float = r.type === 'float32' || r.type === 'float16' || r.type === 'float64';
    const a = float ? (r.type === 'float64' ? (r.data as Float64Array) : runnerTensorToFloat32(r)) : r.data;
    const b = float ? (g.type === 'float64' ? (g.data as Float64Array) : runnerTensorToFloat32(g)) : g.data;
    let scale = 0;
    if (float) for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i] as number)) scale = Math.max(scale, Math.abs(a[i] as number));
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      const y = b[i];
      if (x === y) continue;
      if (float) {
        const [fx, fy] = [x as number, y as number];
        if (Number.isNaN(fx) && Number.isNaN(fy)) continue;
        if (Math.abs(fx - fy) <= TOLERANCE * scale) continue;
      }
      return `output '${name}'[${i}] is ${String(y)}, expected ${String(x)}`;
    }
  }
  return undefined;
}

interface Case {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly model: Model;
}

function casesBelow13(): Case[] {
  const out: Case[] = [];
  for (const name of readdirSync(ROOT).sort()) {
    const path = join(ROOT, name, 'model.onnx');
    if (!existsSync(path)) continue;
    const bytes = new Uint8Array(readFileSync(path));
    const model = decodeModel(bytes, { source: name });
    const opset = defaultDomainOpset(model);
    if (opset !== undefined && opset < 13) out.push({ name, bytes, model });
  }
  return out;
}

/** test_data_set_0 as feeds for the graph inputs that are not initializers; undefined when the runner cannot carry one. */
function feedsOf(c: Case): Feeds | undefined {
  const g = c.model.graph!;
  const inits = new Set(g.initializer.map((t) => t.name));
  const inputs = g.input.filter((v) => !inits.has(v.name));
  const dir = join(ROOT, c.name, 'test_data_set_0');
  const feeds: Feeds = {};
  try {
    inputs.forEach((v, i) => {
      const file = join(dir, `input_${i}.pb`);
      if (existsSync(file)) feeds[v.name!] = tensorProtoToRunner(decodeTensor(new Uint8Array(readFileSync(file)), { source: file }));
    });
  } catch {
    return undefined; // uint32/uint64/string/sequence data
  }
  return feeds;
}

describe('opset upgrade conformance on the ONNX backend node tests below opset 13 (libonnx-testdata)', () => {
  it('upgraded to 13, 17 and 21, every case onnxruntime runs gives the original outputs', async () => {
    if (!existsSync(ROOT)) {
      throw new Error(`${ROOT} is missing: install Debian's ONNX conformance data with 'apt-get install -y libonnx-testdata' (CI installs it).`);
    }
    const started = Date.now();
    const cases = casesBelow13();
    const identical: Record<number, number> = {};
    const refused: Record<number, string[]> = {};
    const differ: string[] = [];
    const upgradedFails: string[] = [];
    const unnamed: string[] = [];
    let originalNotRun = 0;
    for (const target of TARGETS) {
      identical[target] = 0;
      refused[target] = [];
    }
    for (const c of cases) {
      const feeds = feedsOf(c);
      let ref: Record<string, RunnerTensor> | undefined;
      if (feeds) {
        try {
          ref = await run(c.bytes, feeds);
        } catch {
          // no kernel for this op/type in onnxruntime: nothing to compare with
        }
      }
      if (!ref) originalNotRun++;
      for (const target of TARGETS) {
        let upgraded: Model;
        try {
          upgraded = upgradeOpset(c.model, target).model;
        } catch (e) {
          if (!isZeropointError(e) || e.code !== 'opset-upgrade' || !e.subject || !e.message.startsWith(`Cannot upgrade node '${e.subject}'`)) unnamed.push(`${c.name} -> ${target}: ${String(e)}`);
          refused[target].push(`${c.name} (${isZeropointError(e) ? e.subject : '?'})`);
          continue;
        }
        if (!ref || !feeds) continue;
        let got: Record<string, RunnerTensor>;
        try {
          got = await run(encodeModel(upgraded), feeds);
        } catch (e) {
          upgradedFails.push(`${c.name} -> ${target}: ${String(e).split('\n')[0]}`);
          continue;
        }
        const d = difference(ref, got);
        if (d) differ.push(`${c.name} -> ${target}: ${d}`);
        else identical[target]++;
      }
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `opset upgrade conformance (${seconds}s): ${cases.length} node tests below opset 13, onnxruntime runs ${cases.length - originalNotRun} originals; identical after the upgrade: ` +
        TARGETS.map((t) => `${identical[t]} of ${cases.length} at ${t}`).join(', ') +
        `; refused: ${TARGETS.map((t) => `${refused[t].length} at ${t} (${refused[t].join(', ')})`).join(', ')}`,
    );
    expect(differ).toEqual([]);
    expect(upgradedFails).toEqual([]);
    expect(unnamed).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(221);
    for (const target of TARGETS) expect(identical[target], `identical at opset ${target}`).toBeGreaterThanOrEqual(IDENTICAL_FLOOR);
  });
});
