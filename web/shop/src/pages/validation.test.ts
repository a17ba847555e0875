import { describe, expect, it } from 'vitest';
import { PRICE_PATTERN } from './AdminProduct';
import { passwordProblem } from './Auth';
import { PHONE_MESSAGE, validateAddress } from './Addresses';
import { IMAGE_ERROR, imageProblem } from './AdminProduct';
import { deliveredToday } from './Orders';

const ok = { name: 'Alice', phone_number: '9876543210', pin_code: '560001', house_no: '1 Street', landmark: 'Tree', city: 'Oxford', state: 'Oxon' };

describe('form rules mirror the API', () => {
  it('accepts a valid address and rejects blanks, long values and bad phones', () => {
    expect(validateAddress(ok)).toEqual({});
    expect(Object.keys(validateAddress({ ...ok, city: ' ' }))).toEqual(['city']);
    expect(validateAddress({ ...ok, city: ' ' }, true)).toEqual({});
    expect(Object.keys(validateAddress({ ...ok, pin_code: '1234567' }))).toEqual(['pin_code']);
    expect(Object.keys(validateAddress({ ...ok, phone_number: '12ab' }))).toEqual(['phone_number']);
    expect(Object.keys(validateAddress({ ...ok, phone_number: '+919876543210' }))).toEqual(['phone_number']);
  });
  it("takes the phone numbers the API takes within its 10-character field, and says so", () => {
    // The API: at most 10 characters, matching +?1?\d{9,15}.
    for (const good of ['987654321', '9876543210', '+987654321', '1987654321']) expect(validateAddress({ ...ok, phone_number: good }), good).toEqual({});
    for (const bad of ['98765432', '98765432101', '+9876543210', '+1987654321', '98765 4321'])
      expect(validateAddress({ ...ok, phone_number: bad }).phone_number, bad).toBeDefined();
    expect(validateAddress({ ...ok, phone_number: '12' }).phone_number).toEqual([PHONE_MESSAGE]);
    expect(PHONE_MESSAGE).toMatch(/9 or 10 digits/);
    expect(PHONE_MESSAGE).not.toMatch(/15/);
  });
  it('checks a picked image file before uploading it', () => {
    expect(imageProblem({ type: 'image/png', size: 10 })).toBeNull();
    expect(imageProblem({ type: 'image/webp', size: 10 })).toBeNull();
    expect(imageProblem({ type: 'text/plain', size: 10 })).toBe(IMAGE_ERROR);
    expect(imageProblem({ type: 'image/png', size: 0 })).toBe('The file is empty.');
  });
  it('checks prices like the product form', () => {
    expect(PRICE_PATTERN.test('400.99')).toBe(true);
    expect(PRICE_PATTERN.test('400')).toBe(true);
    expect(PRICE_PATTERN.test('4.999')).toBe(false);
    expect(PRICE_PATTERN.test('abc')).toBe(false);
  });
  it('takes passwords of 8 to 128 characters, counted as the API counts them', () => {
    expect(passwordProblem('1234567')).toBe('Use at least 8 characters.');
    expect(passwordProblem('12345678')).toBeNull();
    expect(passwordProblem('p'.repeat(128))).toBeNull();
    expect(passwordProblem('p'.repeat(129))).toBe('Use at most 128 characters.');
    expect(passwordProblem('\u{1F511}'.repeat(128))).toBeNull(); // 256 UTF-16 units, 128 characters
  });
  it('formats the delivery date as the original did', () => {
    expect(deliveredToday(new Date(2026, 1, 3))).toBe('3 February 2026');
  });
});
