// admissionService in the warehouse spec: a coordinator's shape, validated the same way, and optional.
import { parseWarehouseSpec } from '../../src/config/warehouse-spec';

const base = { name: 'wh', namespace: 'impala', size: 'XSMALL', nodes: { min: 0, max: 4 } };

test('admissionService: a URL or {url, user, passwordFile, caFile}; absent by default', () => {
  expect(parseWarehouseSpec(base).admissionService).toBeUndefined();
  expect(parseWarehouseSpec({ ...base, admissionService: 'http://impala-admissiond:25030' }).admissionService).toEqual({
    url: 'http://impala-admissiond:25030',
  });
  expect(
    parseWarehouseSpec({ ...base, admissionService: { url: 'https://admissiond:25030', user: 'a', passwordEnv: 'PW' } })
      .admissionService,
  ).toEqual({ url: 'https://admissiond:25030', user: 'a', passwordEnv: 'PW' });
});

test('a bad admissionService names the field', () => {
  expect(() => parseWarehouseSpec({ ...base, admissionService: { url: 'admissiond:25030' } })).toThrow(
    /admissionService\.url: url must be an http:\/\/ or https:\/\/ URL/,
  );
});
