import { describe, expect, it } from 'vitest';
import { normalizeHttpPath } from './http-path.js';

describe('normalizeHttpPath', () => {
  it.each([
    ['/', '/'],
    ['/health', '/health'],
    ['/api/ready?deep=1&x=a:b', '/api/ready?deep=1&x=a:b'],
    ['/a b', '/a%20b'],
    ['/ünï/😀', '/%C3%BCn%C3%AF/%F0%9F%98%80'],
    ['/%41ok', '/%41ok'],
    ['/100%', '/100%25'],
    ['/"<x>"', '/%22%3Cx%3E%22'],
    ['//not-a-host', '//not-a-host'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeHttpPath(input)).toBe(expected);
  });

  it.each([
    ['health', 'must start with "/"'],
    ['http://evil.example/', 'must start with "/"'],
    ['', 'must start with "/"'],
    ['/a\r\nHost: evil', 'control characters'],
    ['/a\u0000', 'control characters'],
    ['/page#top', 'fragment'],
    [`/${'a'.repeat(2048)}`, 'longer than 2048'],
  ])('refuses %j', (input, why) => {
    expect(() => normalizeHttpPath(input)).toThrow(expect.objectContaining({ code: 'E_USAGE', message: expect.stringContaining(why) }));
  });
});
