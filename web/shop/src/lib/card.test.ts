import { describe, expect, it } from 'vitest';
import { expiryProblem, parseExpiry } from './card';

describe('card expiry as typed', () => {
  it('reads MM/YY and four-digit years', () => {
    expect(parseExpiry('12/30')).toEqual({ month: 12, year: 2030 });
    expect(parseExpiry(' 12 / 2030 ')).toEqual({ month: 12, year: 2030 });
    expect(parseExpiry('1/31')).toEqual({ month: 1, year: 2031 });
    expect(parseExpiry('01-31')).toEqual({ month: 1, year: 2031 });
    expect(parseExpiry('1230')).toEqual({ month: 12, year: 2030 });
    expect(parseExpiry('122030')).toEqual({ month: 12, year: 2030 });
  });
  it('refuses what is not a month and a year', () => {
    for (const bad of ['', '13/30', '0/30', '12/3', '12/030', 'ab/cd', '12/30/1', '123'])
      expect(parseExpiry(bad), bad).toBeNull();
  });
  it('says what is wrong', () => {
    const now = new Date(2026, 11, 7);
    expect(expiryProblem('12/26', now)).toBeNull(); // valid to the end of the month
    expect(expiryProblem('11/26', now)).toBe('This card has expired.');
    expect(expiryProblem('12/2025', now)).toBe('This card has expired.');
    expect(expiryProblem('12', now)).toBe('Enter the expiry as MM/YY, e.g. 12/30.');
  });
});
