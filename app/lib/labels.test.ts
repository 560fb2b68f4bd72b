import { describe, expect, it } from 'vitest';
import { labelFromPath, parseLabelsCsv, parseSynsets } from './labels';

const SYNSETS = parseSynsets('n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\nn01484850 great white shark\n');

describe('labels', () => {
  it('parses a labels CSV with a header, keyed by base name', () => {
    const m = parseLabelsCsv('file,class-index\nval/a.JPEG,472\r\nb.jpg, 3\n', 'labels.csv');
    expect([...m]).toEqual([
      ['a.JPEG', 472],
      ['b.jpg', 3],
    ]);
  });

  it('names the bad line', () => {
    expect(() => parseLabelsCsv('a.jpg,1\nb.jpg,cat\n', 'l.csv')).toThrow(/Line 2 of 'l.csv' is 'b.jpg,cat'/);
    expect(() => parseLabelsCsv('file,class\n', 'l.csv')).toThrow(/has no 'file,class-index' lines/);
  });

  it('reads the synset file', () => {
    expect(SYNSETS.wnids).toEqual(['n01440764', 'n01443537', 'n01484850']);
    expect(SYNSETS.names[1]).toBe('goldfish');
  });

  it('finds classes in folders and file names', () => {
    expect(labelFromPath('calib/n01443537/x.jpg', SYNSETS)).toBe(1);
    expect(labelFromPath('calib/n01484850_shark/x.jpg', SYNSETS)).toBe(2);
    expect(labelFromPath('calib/7/x.jpg', SYNSETS)).toBe(7);
    expect(labelFromPath('n01440764_tench.JPEG', SYNSETS)).toBe(0);
    expect(labelFromPath('photos/cat.jpg', SYNSETS)).toBeNull();
    expect(labelFromPath('n99999999.jpg', SYNSETS)).toBeNull();
  });
});
