import { describe, expect, it } from 'vitest';
import { channelSummary, chartDb, clipSliderBounds, codeSteps, growthCheckpoints, histogramSteps, labelledCodes, lessonJson, mergeMarkerLabels, niceTicks, sortChannels } from './series';

describe('Learn mode series', () => {
  it('checkpoints double up to the number of images', () => {
    expect(growthCheckpoints(30)).toEqual([1, 2, 4, 8, 16, 30]);
    expect(growthCheckpoints(16)).toEqual([1, 2, 4, 8, 16]);
    expect(growthCheckpoints(1)).toEqual([1]);
    expect(growthCheckpoints(0)).toEqual([]);
  });

  it('draws histograms and code counts as steps', () => {
    const view = { lo: -1, binWidth: 0.5, counts: [1, 9, 99], count: 109, zeroCount: 0, min: -1, max: 0.4 };
    expect(histogramSteps(view, false)).toEqual([
      { x: -1, y: 1 },
      { x: -0.5, y: 9 },
      { x: 0, y: 99 },
      { x: 0.5, y: 99 },
    ]);
    expect(histogramSteps(view, true)[2].y).toBeCloseTo(2, 12);
    expect(histogramSteps({ ...view, counts: [] }, false)).toEqual([]);
    expect(codeSteps([0, 3], -128, false)).toEqual([
      { x: -128.5, y: 0 },
      { x: -127.5, y: 3 },
      { x: -126.5, y: 3 },
    ]);
  });

  it('summarises channels by median and worst', () => {
    const rows = [
      { channel: 0, min: -1, max: 1, perTensorSqnrDb: 40, perChannelSqnrDb: 41 },
      { channel: 1, min: -0.01, max: 0.01, perTensorSqnrDb: 2, perChannelSqnrDb: 39 },
      { channel: 2, min: 0, max: 0, perTensorSqnrDb: Infinity, perChannelSqnrDb: Infinity },
    ];
    expect(channelSummary(rows)).toEqual({
      channels: 3,
      medianPerTensor: 40,
      medianPerChannel: 41,
      worstChannel: 1,
      worstPerTensor: 2,
      worstPerChannelOfWorst: 39,
      worstPerChannel: 39,
    });
    expect(sortChannels(rows, 'range').map((r) => r.channel)).toEqual([2, 1, 0]);
    expect(sortChannels(rows, 'channel').map((r) => r.channel)).toEqual([0, 1, 2]);
    expect(chartDb(Infinity)).toBe(80);
  });

  it('bounds the clip sliders by the data', () => {
    expect(clipSliderBounds({ min: 0, max: 856 })).toEqual({ max: [0, 856], min: null, step: 0.86 });
    expect(clipSliderBounds({ min: -4, max: 2 })).toEqual({ max: [0, 2], min: [-4, 0], step: 0.004 });
  });

  it('labels the ends, the zero-point and the code in use', () => {
    expect(labelledCodes({ qmin: 0, qmax: 255, zeroPoint: 39 }, 52)).toEqual([0, 39, 52, 255]);
    expect(labelledCodes({ qmin: -127, qmax: 127, zeroPoint: 0 })).toEqual([-127, 0, 127]);
    expect(labelledCodes({ qmin: -127, qmax: 127, zeroPoint: 0 }, 6, 12)).toEqual([-127, 0, 127]);
    expect(labelledCodes({ qmin: 0, qmax: 255, zeroPoint: 0 }, 0, 12)).toEqual([0, 255]);
  });

  it('writes lesson data as JSON a test can read back', () => {
    const back = JSON.parse(lessonJson({ counts: Float64Array.of(1, 2), sqnr: Infinity, nan: NaN })) as unknown;
    expect(back).toEqual({ counts: [1, 2], sqnr: 'Infinity', nan: 'NaN' });
  });

  it('picks round ticks', () => {
    expect(niceTicks(0, 855.9)).toEqual([0, 200, 400, 600, 800]);
    expect(niceTicks(-17, 873, 4)).toEqual([0, 200, 400, 600, 800]);
    expect(niceTicks(-0.92, 0.88, 4)).toEqual([-0.5, 0, 0.5]);
    expect(niceTicks(-1.044, 5.14)).toEqual([-1, 0, 1, 2, 3, 4, 5]);
    expect(niceTicks(1, 1)).toEqual([1]);
  });

  it('merges the labels of markers that coincide', () => {
    const merged = mergeMarkerLabels(
      [
        { x: 472.67, label: '1' },
        { x: 472.67, label: '2' },
        { x: 621.99, label: '8' },
        { x: 472.67, label: '4' },
      ],
      1,
    );
    expect(merged.map((m) => m.label)).toEqual(['1, 2, 4', '8']);
  });
});
