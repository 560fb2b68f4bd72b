/**
 * Sensitivity and the automatic mixed precision on a small built network whose damage has one known
 * cause, run by onnxruntime-node: Conv B writes one channel 1000x larger than the others, so the one
 * u8 grid of its output crushes the seven small channels that Conv C reads. Keeping C in FP32 (it
 * then reads B's output in float) is the one fix; keeping anything else barely helps.
 */
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import { calibrate, type CalibrationSource } from '../calibration/calibrate';
import { buildModel, floatTensor, node, seededRandom, valueInfo } from '../onnx/build';
import type { Model } from '../onnx/types';
import { DEFAULT_QUANTIZE_OPTIONS, prepareModel, quantizeModel } from '../quant/quantize';
import { autoPrecision, parsePlan, planToOptions } from './auto';
import { buildReference, judgeAgainst, agreementScore } from './fidelity';
import { analyzeSensitivity, unitsOf } from './sensitivity';

const runner = createNodeRunner();
const rand = seededRandom(5);
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());

function crushed(): Model {
  return buildModel({
    opset: 13,
    nodes: [node('Conv', ['x', 'wa', 'ba'], ['a'], { name: 'A' }), node('Relu', ['a'], ['r'], { name: 'R' }), node('Conv', ['r', 'wb'], ['b'], { name: 'B' }), node('Conv', ['b', 'wc'], ['y'], { name: 'C' })],
    initializers: [
      floatTensor('wa', [8, 3, 3, 3], () => gauss() * 0.3),
      floatTensor('ba', [8], () => 0.1),
      // Output channel 0 of B is 1000x the others; C reads it with a tiny weight.
      floatTensor('wb', [8, 8, 1, 1], (i) => gauss() * (Math.floor(i / 8) === 0 ? 300 : 0.3)),
      floatTensor('wc', [4, 8, 1, 1], (i) => gauss() * (i % 8 === 0 ? 0.0003 : 0.5)),
    ],
    inputs: [valueInfo('x', [1, 3, 16, 16])],
    outputs: [valueInfo('y', [1, 4, 14, 14])],
  });
}

function images(count: number, seed: number): CalibrationSource {
  const r = seededRandom(seed);
  return { count, label: (i) => `image ${i}`, feeds: async () => ({ x: { type: 'float32', dims: [1, 3, 16, 16], data: Float32Array.from({ length: 768 }, () => r() * 2 - 1) } }) };
}

async function setup() {
  const fp32 = crushed();
  const prepared = prepareModel(fp32).model;
  const stats = (await calibrate(prepared, runner, images(16, 1), { collector: { histograms: true } })).stats;
  const reference = await buildReference(fp32, runner, images(6, 2), { images: 6 });
  return { fp32, prepared, stats, reference };
}

describe('sensitivity and --auto on a network with one crushed tensor', () => {
  it('units group a layer with its folded Relu; keeping C alone recovers the output, keeping A or B does not', async () => {
    const { prepared, stats, reference } = await setup();
    const units = unitsOf(prepared, stats, DEFAULT_QUANTIZE_OPTIONS);
    expect(units.map((u) => u.nodes)).toEqual([['A', 'R'], ['B'], ['C']]);
    const s = await analyzeSensitivity({ prepared, stats, options: DEFAULT_QUANTIZE_OPTIONS, reference, runner }, {});
    // Ranked most damaging first: C, quantized alone, costs the most.
    expect(s.rows[0].unit.id).toBe('C');
    expect(s.rows[0].alone.score).toBeLessThan(Math.min(...s.rows.slice(1).map((r) => r.alone.score)));
    expect(s.baseline.score).toBeLessThan(0.99);
    // Kept alone, C recovers the output; A or B kept do not.
    expect(s.rows[0].kept.score).toBeGreaterThan(0.999);
    for (const row of s.rows.slice(1)) expect(row.kept.score).toBeLessThan(0.99);
  });

  it('--auto keeps C in FP32 to meet a 0.999 cosine, writes a plan that replays the same model, and says why', async () => {
    const { fp32, prepared, stats, reference } = await setup();
    const r = await autoPrecision({ prepared, stats, options: DEFAULT_QUANTIZE_OPTIONS, reference, runner }, { target: { kind: 'agreement', cosine: 0.999 }, methods: ['minmax'] });
    expect(r.met).toBe(true);
    expect(r.plan.keptUnits).toEqual(['C']);
    expect(r.plan.keepNodes).toEqual(['C']);
    expect(r.final.value).toBeGreaterThanOrEqual(0.999);
    expect(r.baseline.value).toBeLessThan(0.99);
    expect(r.steps.filter((s) => s.accepted).map((s) => s.unit)).toEqual(['C']);
    expect(r.notes.join(' ')).toMatch(/Kept in FP32 \(1 of 3 units/);
    // The plan is JSON and replays the same choice.
    const plan = parsePlan(JSON.parse(JSON.stringify(r.plan)), 'plan.json');
    const replay = quantizeModel(prepared, stats, planToOptions(plan, DEFAULT_QUANTIZE_OPTIONS));
    const judged = await judgeAgainst(reference, replay.model, runner);
    expect(agreementScore(judged)).toBeCloseTo(r.final.value, 6);
    // Held-out images the search never saw agree too.
    const other = await buildReference(fp32, runner, images(6, 3), { images: 6 });
    expect(agreementScore(await judgeAgainst(other, replay.model, runner))).toBeGreaterThan(0.998);
    expect(() => parsePlan({ format: 'zeropoint-plan', version: 1, method: 'best', keepNodes: [] }, 'p.json')).toThrow("The plan 'p.json' names method 'best'");
  });

  it('a target already met keeps every unit INT8 and says so', async () => {
    const { prepared, stats, reference } = await setup();
    const baseline = agreementScore(await judgeAgainst(reference, quantizeModel(prepared, stats, DEFAULT_QUANTIZE_OPTIONS).model, runner));
    const cosine = Math.floor(baseline * 1000) / 1000;
    const r = await autoPrecision({ prepared, stats, options: DEFAULT_QUANTIZE_OPTIONS, reference, runner }, { target: { kind: 'agreement', cosine }, methods: ['minmax'] });
    expect(r.met).toBe(true);
    expect(r.plan.keepNodes).toEqual([]);
    expect(r.sensitivity).toBeNull();
    expect(r.notes.at(-1)).toMatch(new RegExp(`^Target met: every output and score column at cosine >= ${cosine}`));
    // An SQNR target ranks by SQNR and keeps C too.
    const sq = await autoPrecision({ prepared, stats, options: DEFAULT_QUANTIZE_OPTIONS, reference, runner }, { target: { kind: 'sqnr', db: 30 }, methods: ['minmax'] });
    expect(sq.plan.keptUnits[0]).toBe('C');
    expect(sq.final.agreement.sqnrDb).toBeGreaterThan(sq.baseline.agreement.sqnrDb + 10);
  });
});
