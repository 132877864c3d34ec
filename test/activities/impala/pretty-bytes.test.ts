import { formatBytes, parseBytes } from '../../../src/activities/impala/pretty-bytes';

describe("Impala's byte strings", () => {
  test.each([
    ['0', 0],
    ['17.00 B', 17],
    ['512.00 KB', 512 * 1024],
    ['6.50 MB', 6.5 * 1024 * 1024],
    ['48.00 GB', 48 * 1024 ** 3],
    ['1024.00 GB', 1024 ** 4],
    ['-2.00 MB', -2 * 1024 * 1024],
  ])('%s is %d bytes, and prints back the same', (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
    expect(formatBytes(bytes)).toBe(text);
  });

  test('a value that is not a whole number of hundredths parses to the nearest byte of what was printed', () => {
    // 1.33 GB as Impala prints 1.333 GB; the reader can only recover 1.33 GB.
    expect(formatBytes(Math.round((4 / 3) * 1024 ** 3))).toBe('1.33 GB');
    expect(parseBytes('1.33 GB')).toBe(Math.round(1.33 * 1024 ** 3));
  });

  test.each(['16 GB', '16.00 GiB', '16.00GB', '1.5 MB', '16.00 TB', '', 'NaN'])(
    'rejects %j, which Impala never prints',
    (text) => {
      expect(() => parseBytes(text)).toThrow(`"${text}" is not an Impala byte string`);
    },
  );
});
